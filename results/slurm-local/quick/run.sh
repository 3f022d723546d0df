#!/usr/bin/env bash
# Holds the shared heavy-job lock around the whole Slurm submission (shards, merge, unsharded reference).
set -u
cd /work/resume
echo "lock acquired $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
deploy/slurm/local-cluster.sh start
export SLURM_CONF=/tmp/telescope-slurm/slurm.conf TELESCOPE_CMD="nice -n 10 dotnet /tmp/telescope-app/Telescope.Cli.dll"
unset TELESCOPE_LOCK
start=$(date +%s)
deploy/slurm/submit.sh approximation 3 runs/slurm-quick/sweep --quick --data /work/shared/data --set threads=1
for i in $(seq 1 1200); do sleep 2; [ -d runs/slurm-quick/sweep/merged ] && break; squeue -h | grep -q . || break; done
echo "sweep done $(date -u +%FT%TZ) after $(( $(date +%s) - start )) s"
squeue
grep -E "ArrayJobId|telescope-merge" /tmp/telescope-slurm/jobcomp.log | tail -5
deploy/slurm/local-cluster.sh stop
s2=$(date +%s)
nice -n 10 dotnet /tmp/telescope-app/Telescope.Cli.dll run approximation --quick --data /work/shared/data --set threads=1 --out runs/slurm-quick/reference 2>&1 | tail -1
echo "reference done after $(( $(date +%s) - s2 )) s, $(date -u +%FT%TZ)"
cmp runs/slurm-quick/reference/metrics.csv runs/slurm-quick/sweep/merged/metrics.csv && echo METRICS-BYTE-IDENTICAL

#!/usr/bin/env bash
# A single-node Slurm on this machine, for trying the job-array scripts without a cluster.
#   deploy/slurm/local-cluster.sh start    writes a minimal slurm.conf for localhost, starts munged, slurmctld, slurmd
#   deploy/slurm/local-cluster.sh status   sinfo + squeue
#   deploy/slurm/local-cluster.sh stop     stops the three daemons it started (by their pid files)
# Then, in the same shell:  export SLURM_CONF=<state dir>/slurm.conf   (printed by 'start').
# Needs root and Debian's packages:  apt-get install slurm-wlm munge
# State, logs and pid files live in $TELESCOPE_SLURM_DIR (default /tmp/telescope-slurm). Accounting is off
# (no slurmdbd), so 'sacct' has no data; finished jobs are logged by jobcomp/filetxt in <state dir>/jobcomp.log.
set -euo pipefail
dir="${TELESCOPE_SLURM_DIR:-/tmp/telescope-slurm}"
conf="$dir/slurm.conf"
host="$(hostname -s)"
cpus="$(nproc)"

start() {
  for tool in munged slurmctld slurmd sbatch; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install slurm-wlm munge" >&2; exit 1; }
  done
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  cat > "$conf" <<CONF
# Written by deploy/slurm/local-cluster.sh: one node ($host, $cpus CPUs), daemons as root, no accounting.
ClusterName=telescope-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  # munge: a key of its own (the package's key, if any, is left alone) and its own socket.
  if [[ ! -f "$dir/munge/munge.key" ]]; then
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  fi
  chmod 700 "$dir/munge"; chmod 400 "$dir/munge/munge.key"
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
         --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munge.seed"
  # Slurm's auth/munge plugin finds the socket through this option.
  sed -i "s|^AuthType=auth/munge|AuthType=auth/munge\nAuthInfo=socket=$dir/munge/munge.socket|" "$conf"
  SLURM_CONF="$conf" slurmctld -f "$conf"
  SLURM_CONF="$conf" slurmd -f "$conf"
  for _ in $(seq 1 50); do
    if SLURM_CONF="$conf" sinfo -h -o '%T' 2>/dev/null | grep -q -E '^(idle|mixed|allocated)'; then break; fi
    sleep 0.2
  done
  SLURM_CONF="$conf" sinfo
  echo "Single-node Slurm is up. Use it with:  export SLURM_CONF=$conf"
}

stop() {
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    if [[ -f "$pidfile" ]]; then
      pid="$(cat "$pidfile")"
      if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "stopped $(basename "$pidfile" .pid) ($pid)"
      fi
      rm -f "$pidfile"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) SLURM_CONF="$conf" sinfo; SLURM_CONF="$conf" squeue ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac

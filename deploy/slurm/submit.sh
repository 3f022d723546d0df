#!/usr/bin/env bash
# Submits a sharded Telescope sweep to Slurm: a job array of N shares, then a merge job that starts only if
# every share succeeded (--dependency=afterok).
#   deploy/slurm/submit.sh RECIPE N SWEEP_DIR [telescope run options…]
# e.g.
#   deploy/slurm/submit.sh approximation 5 /scratch/$USER/approx --data /data --set threads=1
# Prints the two job ids. Environment: TELESCOPE_CMD, TELESCOPE_LOCK (see telescope-shard.sbatch), and any
# sbatch option through SBATCH_* variables (e.g. SBATCH_PARTITION, SBATCH_TIMELIMIT).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
recipe="${1:?recipe}"; shards="${2:?number of shards N}"; sweep="${3:?sweep folder}"; shift 3
sweep="$(mkdir -p "$sweep" && cd "$sweep" && pwd)"
array="$(sbatch --parsable --chdir="$sweep" --array=0-$((shards - 1)) "$here/telescope-shard.sbatch" "$recipe" "$shards" "$sweep" "$@")"
array="${array%%;*}"
merge="$(sbatch --parsable --chdir="$sweep" --dependency=afterok:"$array" "$here/telescope-merge.sbatch" "$shards" "$sweep")"
echo "array job $array (shards 0-$((shards - 1))), merge job $merge -> $sweep/merged"

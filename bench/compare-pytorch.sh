#!/usr/bin/env bash
# Telescope's forward-mode JVP (on each GEMM path) against Debian PyTorch's functorch.jvp, same workload (MLP
# 784-512-512-10, 1000 probe inputs, float32), the two programs taking turns so a busy spell of a shared machine
# falls on both; also Debian PyTorch's torch.mm GFLOP/s next to Telescope's GEMM table. docs/performance.md §4.
#   bench/compare-pytorch.sh [rounds=3] [threads=2] [record.json]
# With a third argument it also writes the medians, every round and the command, commit, wall time and load average
# as a record (e.g. results/performance/pytorch-jvp.json), which the docs quote.
# Needs Debian's python3-torch (apt-get install python3-torch; it calls the system OpenBLAS through libblas.so.3).
# Prints each measurement as JSON, then the medians over rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; threads=${2:-2}; record=${3:-}
started=$(date -u '+%Y-%m-%d %H:%M:%S'); start_s=$(date +%s); load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse HEAD 2>/dev/null || echo "not a git checkout")
python=/usr/bin/python3
if ! "$python" -c 'import torch, functorch' 2>/dev/null; then
  echo "Debian PyTorch is missing: apt-get install python3-torch" >&2; exit 1
fi
dotnet build bench/Telescope.Bench -c Release -v q >/dev/null
bench=(dotnet bench/Telescope.Bench/bin/Release/net10.0/linux-x64/Telescope.Bench.dll)
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
for ((r = 1; r <= rounds; r++)); do
  "$python" bench/pytorch/reference.py "$threads" > "$out/pytorch-$r.json"
  "${bench[@]}" --jvp-only 1 --threads "$threads" > "$out/telescope-$r.json" 2>/dev/null
  cat "$out/pytorch-$r.json" "$out/telescope-$r.json"
done
"$python" - "$out" "$rounds" "$record" "bench/compare-pytorch.sh $*" "$commit" "$started" "$start_s" "$load_before" <<'PY'
import json, os, statistics, sys, time
out, rounds, record = sys.argv[1], int(sys.argv[2]), sys.argv[3]
py = [json.load(open(f"{out}/pytorch-{r}.json")) for r in range(1, rounds + 1)]
ts = [json.load(open(f"{out}/telescope-{r}.json")) for r in range(1, rounds + 1)]
ref = statistics.median(p["jvp_functorch_ms"] for p in py)
print(f"\n{ts[0]['cpu']}, {py[0]['threads']} threads, {rounds} rounds (median of per-round medians)")
print(f"Debian PyTorch {py[0]['pytorch']} ({py[0]['blas']} BLAS) functorch.jvp: {ref:.2f} ms")
for path in ("libtorch", "openblas"):
    key = f"jvp_forward_mode_ms_{path}"
    if key in ts[0]:
        ms = statistics.median(t[key] for t in ts)
        print(f"Telescope forward-mode JVP, {path} GEMM: {ms:.2f} ms = {ms / ref:.2f}x PyTorch's")
print("Debian PyTorch torch.mm GFLOP/s (median): " + ", ".join(
    f"{k} {statistics.median(p['gemm_gflops'][k]['median'] for p in py):.0f}" for k in py[0]["gemm_gflops"]))
if record:
    medians = {"jvp_functorch_ms": ref}
    for path in ("libtorch", "openblas"):
        key = f"jvp_forward_mode_ms_{path}"
        if key in ts[0]:
            medians[key] = statistics.median(t[key] for t in ts)
            medians[f"ratio_{path}_to_functorch"] = round(medians[key] / ref, 3)
    doc = {"command": sys.argv[4], "commit": sys.argv[5], "started_utc": sys.argv[6],
           "wall_seconds": round(time.time() - int(sys.argv[7]), 1), "load_average_before": sys.argv[8],
           "load_average_after": " ".join(open("/proc/loadavg").read().split()[:3]),
           "cpu": ts[0]["cpu"], "threads": py[0]["threads"], "rounds": rounds, "pytorch": py[0]["pytorch"], "pytorch_blas": py[0]["blas"],
           "medians": medians, "pytorch_rounds": py, "telescope_rounds": ts}
    os.makedirs(os.path.dirname(os.path.abspath(record)), exist_ok=True)
    with open(record + ".partial", "w") as f: json.dump(doc, f, indent=2); f.write("\n")
    os.replace(record + ".partial", record)
    print(f"record: {record}")
PY

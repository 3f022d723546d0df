#!/usr/bin/env bash
# Runs every built-in recipe's tiny configuration (plus a double-descent run in two shards, merged) with one telescope
# binary, so two builds can be compared with compare.py: docs/architecture.md §7 ("Changing code without changing results").
#   tools/identity-check/run.sh OUT TELESCOPE [RUN ...]
#     OUT        a new folder for the run folders (replaced if it exists)
#     TELESCOPE  the telescope binary to run, e.g. a Release build frozen in a folder of its own
#     RUN        only these runs (names below: approximation tabular dd ddsep design lmc gpoly gmnist gmod ddshards); default all
# Products run on LibTorch (TELESCOPE_GEMM=libtorch) because the OpenBLAS path chooses its blocking by thread count
# and load, so its last bits are not a property of the code under test. Real data come from TELESCOPE_DATA.
set -uo pipefail
[[ $# -ge 2 ]] || { sed -n 2,8p "$0" >&2; exit 2; }
out=$1; bin=$2; shift 2
[[ -x $bin ]] || { echo "not an executable: $bin" >&2; exit 2; }
[[ -n ${TELESCOPE_DATA:-} && -d $TELESCOPE_DATA ]] || { echo "set TELESCOPE_DATA to the data folder (tabular-gbt reads OpenML sets from it)" >&2; exit 2; }
export TELESCOPE_GEMM=libtorch
rm -rf "$out"; mkdir -p "$out"
only=" $* "; failed=0
sets() { for a in "$@"; do printf -- "--set %s " "$a"; done; }
want() { [[ $# -eq 0 || "$only" == "  " || "$only" == *" $1 "* ]]; }
run() {
  local name=$1 recipe=$2; shift 2
  want "$name" || return 0
  if "$bin" run "$recipe" --quick $(sets "$@") --out "$out/$name" > "$out/$name.log" 2>&1; then echo "$name ok"
  else echo "$name FAILED (see $out/$name.log)"; failed=1; fi
}
DD="data=synthetic train_size=24 test_size=12 test_probes=8 widths=1,3,16 label_noise=0.25,0 seeds=0,1 max_steps=60 converge_window=20 converge_rel_improvement=0.05 log_every=10 directions=4 lr.adam=0.01 sensitivity=retraining sensitivity_directions=2 stability_iterations=5 threads=1"
run approximation approximation data=synthetic train_size=96 test_probes=24 train_probes=12 hidden=12 batch_size=16 steps=30 log_every=5 optimizers=sgd_momentum,adamw lr.sgd_momentum=0.001,0.01 default_lr.sgd_momentum=0.001 lr.adamw=0.0001,0.001 default_lr.adamw=0.001 threads=1
run tabular tabular-gbt datasets=houses,cpu_act,wine_quality train_size=100 pool_size=200 test_size=10 repetitions=2 hidden=8 steps=40 log_every=10 batch_size=16 lr=0.01 gbt_leaves=4 gbt_min_data_in_leaf=5 gbt_max_rounds=20 dtype=float64 threads=1 seeds=0,1
run dd double-descent $DD
run ddsep double-descent $DD sensitivity_members=separate
run design design-choices data=synthetic train_size=80 train_probes=16 test_probes=16 kernel_train=8 kernel_test=6 drift_probes=6 hidden=10 batch_size=16 steps=30 identity_steps=10 log_every=5 kernel_every=10 kernel_directions=8 identity_nets=relu-nobias,tanh-bias tab_train_size=100 tab_pool_size=300 tab_test_size=10 tab_repetitions=2 tab_hidden=8 tab_steps=30 tab_kernel_every=10 tab_batch_size=16 threads=1 seeds=0,1
run lmc lmc width=2 steps=6 spawn_steps=3,0 pretrain_steps=2 train_size=32 pretrain_offset=32 pretrain_size=32 test_size=40 probes=2 batch_size=16 bn_batches=2 warmup_steps=2 log_every=2 threads=1
run gpoly grokking-poly lr_factor=1 width=20 input_dim=10 train_size=30 test_size=40 test_probes=20 steps=200 log_every=50 epsilons=0.02,0.1 sensitivity=retraining stability_iterations=5 dtype=float64 threads=1
run gmnist grokking-mnist configs=relu:8,sigmoid:1 train_size=100 test_size=200 test_probes=50 hidden=16,16 batch_size=50 steps=100 log_every=50 stability_iterations=5 sensitivity=retraining seeds=0,1 threads=1
run gmod grokking-modular p=11 train_fractions=0.5 weight_decays=1 d_model=16 d_mlp=32 heads=2 steps=40 log_every=20 telescoping_probes=16 spectrum_probes=4 seeds=0,1 threads=1
if want ddshards; then
  for i in 0 1; do
    "$bin" run double-descent --quick $(sets $DD) --shard $i/2 --out "$out/ddshards/s$i" > "$out/ddshards-s$i.log" 2>&1 || { echo "ddshards shard $i FAILED"; failed=1; }
  done
  if "$bin" merge "$out/ddshards/s0" "$out/ddshards/s1" --out "$out/ddmerged" > "$out/ddmerged.log" 2>&1; then echo "ddshards ok (merged into ddmerged)"
  else echo "ddshards merge FAILED"; failed=1; fi
fi
exit $failed

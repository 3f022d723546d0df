#!/usr/bin/env bash
# Builds the solution and runs the whole test suite; prints a plain "N passed, N failed" line.
#   ./test.sh            every test (real-data tests need TELESCOPE_DATA, e.g. ../shared/data)
#   ./test.sh --fast     skips the tests marked Category=RealData or Category=Slow, for local work
# Exits non-zero on any build error or failing test.
set -euo pipefail
cd "$(dirname "$0")"

filter=()
if [[ "${1:-}" == "--fast" ]]; then filter=(--filter "Category!=RealData&Category!=Slow"); shift; fi

# LightGBM's native library needs the GNU OpenMP runtime; Debian images with gcc have it, slim ones do not.
if ! ldconfig -p 2>/dev/null | grep -q 'libgomp.so.1'; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq libgomp1 >/dev/null
  else
    echo "libgomp.so.1 is missing: install it (Debian/Ubuntu: sudo apt-get install libgomp1)." >&2; exit 1
  fi
fi

# Telescope's own matrix products run on the system OpenBLAS where it is faster than LibTorch's bundled MKL (AMD CPUs;
# docs/performance.md); without it they run on LibTorch and the OpenBLAS tests check that fallback instead.
if ! ldconfig -p 2>/dev/null | grep -q 'libopenblas.so.0'; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq libopenblas0-pthread >/dev/null
  else
    echo "note: libopenblas.so.0 is missing, so the OpenBLAS GEMM path is tested only as its fallback (Debian/Ubuntu: sudo apt-get install libopenblas0-pthread)." >&2
  fi
fi

# The package tests (Category=Slow) read ELF version flags with binutils' readelf, an independent ELF reader.
if [[ ${#filter[@]} -eq 0 ]] && ! command -v readelf >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq binutils >/dev/null
  else
    echo "readelf is missing: install binutils (Debian/Ubuntu: sudo apt-get install binutils)." >&2; exit 1
  fi
fi

# The report.html browser test (Category=Slow) opens the page in Debian's headless chromium.
if [[ ${#filter[@]} -eq 0 ]] && ! command -v chromium >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "note: chromium is missing, so the report.html browser test is skipped (Debian/Ubuntu: sudo apt-get install chromium)." >&2
  fi
fi

if [[ -z "${TELESCOPE_DATA:-}" ]]; then
  echo "note: TELESCOPE_DATA is not set; tests that need the real data sets are skipped." >&2
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
set +e
dotnet test Telescope.slnx -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" \
  "${filter[@]}" "$@" -- RunConfiguration.DisableAppDomain=true
status=$?
set -e

trx=$(find "$results" -name '*.trx' | head -n 1)
if [[ -z "$trx" ]]; then
  echo "0 passed, 1 failed"   # the build failed or the runner crashed before writing results
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
passed=$(get passed); failed=$(get failed); total=$(get total); executed=$(get executed)
skipped=$(( total - executed ))
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
if [[ $status -ne 0 || ${failed:-0} -ne 0 || ${passed:-0} -eq 0 ]]; then exit 1; fi

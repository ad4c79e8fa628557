#!/usr/bin/env bash
# README's first command: set everything up, then run the main job on the small default scenario:
# train PA-MRL (MiniLM, 20 prompt tokens) for a few minutes over the co-simulation, then evaluate the trained
# policy and the `equal` heuristic on the same seeds and print the comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
episodes=${PAMRL_DEMO_EPISODES:-15}
# A short run: 3 episodes of random shares (instead of the default 10) before learning starts.
exec .venv/bin/pamrl train --scenario small --method pa-mrl --episodes "$episodes" --learning-starts 60 --seed 1 \
  --out results/demo/pa-mrl --then-evaluate 2 --baseline equal --eval-out results/demo/evaluation

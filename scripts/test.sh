#!/usr/bin/env bash
# Runs the test suite (after scripts/setup.sh). Arguments go to pytest instead of the default `tests`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- tests; fi
exec .venv/bin/python -m pytest -q "$@"

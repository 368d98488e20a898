#!/usr/bin/env bash
# Set up a virtual environment with Pulse installed, then run `pulse` with the given arguments.
# Usage: scripts/run.sh [--demo] [pulse options...]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  as_root apt-get update -qq
  as_root apt-get install -y -qq python3-venv
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e .
exec "$VENV/bin/pulse" "$@"

#!/usr/bin/env bash
# Set up everything the test suite needs, then run lint, types and the whole suite.
# Usage: scripts/test.sh [pytest args...]
# As root (CI), the suite runs inside `unshare -n` with only loopback up, so a stray connection
# to any other address fails loudly instead of leaving the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian and Raspberry Pi OS ship python3 without venv/ensurepip.
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  as_root apt-get update -qq
  as_root apt-get install -y -qq python3-venv
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'

# Anything else the suite needs (browsers, system tools) is installed by scripts/test-deps.sh.
if [ -x scripts/test-deps.sh ]; then
  scripts/test-deps.sh
fi

echo "== ruff"
"$VENV/bin/ruff" check pulse tests benchmarks scripts
"$VENV/bin/ruff" format --check pulse tests benchmarks scripts
echo "== mypy"
"$VENV/bin/mypy"

echo "== pytest"
run_tests=("$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@")
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
  echo "(network namespace: loopback only)"
  exec unshare -n -- bash -c '"$0" scripts/lo_up.py && exec "$@"' "$VENV/bin/python" "${run_tests[@]}"
fi
exec "${run_tests[@]}"

#!/usr/bin/env bash
# Installs what the browser tests need beyond the Python packages: Debian's Chromium (driven by
# Playwright through executable_path; `playwright install` cannot download browsers here).
# Idempotent and quiet; scripts/test.sh runs it before entering the loopback-only namespace.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

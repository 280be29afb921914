#!/usr/bin/env bash
# Install what zones needs on a Debian machine, idempotently; prints each step it takes.
#   scripts/setup.sh            runtime: SpatiaLite, venv, Python and npm dependencies
#   scripts/setup.sh --test     also PostGIS (server extension) and Chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

packages=(libsqlite3-mod-spatialite)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
if ((want_test)); then
  packages+=(postgresql-15-postgis-3 chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages present: ${packages[*]}"
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  say "creating virtualenv .venv with $($PY --version)"
  $PY -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.zones-installed
digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$digest" ]]; then
  say "pip install -e .[test]"
  .venv/bin/python -m pip install -q --upgrade pip 2>/dev/null
  .venv/bin/python -m pip install -q -e ".[test]"
  echo "$digest" > "$stamp"
else
  say "Python dependencies up to date"
fi

# Browser assets (Leaflet, Bootstrap, Font Awesome…) come from npm, pinned by the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "npm ci (map assets from package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
else
  say "npm packages up to date"
fi

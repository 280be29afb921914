#!/usr/bin/env bash
# Command 1: set everything up, build the demo zone on SpatiaLite and serve it on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export ZONES_DATABASE_URL=${ZONES_DATABASE_URL:-sqlite:///$PWD/var/zones.sqlite}
echo "[demo] database: $ZONES_DATABASE_URL"
.venv/bin/zones db upgrade
.venv/bin/zones demo
echo "[demo] serving http://127.0.0.1:${ZONES_PORT:-8000}/  (map)  and /plots (GeoJSON); Ctrl-C stops"
exec .venv/bin/zones serve --host 127.0.0.1 --port "${ZONES_PORT:-8000}"

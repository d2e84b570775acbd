#!/usr/bin/env bash
# Redraws docs/img/observability-*.png: a demo-like run and a short load (load.ts, about four
# minutes) on the local stack, then render.py draws the dashboard's main panels from the local
# Prometheus's query_range answers. matplotlib comes from PyPI into a venv in the cache.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
venv="$cache/pictures-venv"
MATPLOTLIB_VERSION=3.11.2
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import matplotlib, sys; sys.exit(matplotlib.__version__ != '$MATPLOTLIB_VERSION')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "matplotlib==$MATPLOTLIB_VERSION"
fi
curl -sf --max-time 3 http://127.0.0.1:9090/-/ready >/dev/null || { echo "the local Prometheus is not up: bash infra/local/start.sh" >&2; exit 1; }
range="$(cd "$root" && node --import tsx infra/prometheus/pictures/load.ts | tail -n 1)"
start="$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['start'])" "$range")"
end="$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['end'])" "$range")"
"$venv/bin/python" "$here/render.py" "$start" "$end" "$root/docs/img"

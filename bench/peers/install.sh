#!/usr/bin/env bash
# Installs the peers of bench/p1-fact-initial-load.ts into one virtualenv outside the repo
# (${TRIBUTARY_CACHE:-$HOME/.cache/tributary}/bench-venv), from PyPI only, at pinned versions:
#   dlt with its sql_database source (SQLAlchemy), the pyarrow backend and the postgres destination;
#   Sling through the PyPI package that carries its Linux binary (sling-linux-amd64/-arm64). The
#   `sling` package itself is not used: it holds no binary and downloads one from GitHub on first
#   use, which nothing here may do.
# bin/sling links to that binary. A second run compares a stamp of the pins and exits. Prints the venv path on stdout.
set -euo pipefail

DLT_VERSION=1.31.0
PYARROW_VERSION=26.0.1
SQLALCHEMY_VERSION=2.1.9
PSYCOPG2_VERSION=2.9.13
CONNECTORX_VERSION=0.4.6
ADBC_POSTGRES_VERSION=1.13.0
SLING_BINARY_VERSION=1.4.11

# Sling's binary wheels exist per platform; the newest with a binary inside is 1.4.11.
case "$(uname -m)" in
  x86_64) SLING_BINARY_PACKAGE=sling-linux-amd64 ;;
  aarch64 | arm64) SLING_BINARY_PACKAGE=sling-linux-arm64 ;;
  *) printf '[bench-peers] no Sling binary wheel for %s\n' "$(uname -m)" >&2; exit 1 ;;
esac

CACHE_DIR="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
VENV="$CACHE_DIR/bench-venv"
# What the venv was built from, kept in it; the python version counts (python3 may be missing yet).
stamp() {
  printf 'dlt=%s pyarrow=%s sqlalchemy=%s psycopg2=%s connectorx=%s adbc-driver-postgresql=%s %s=%s python=%s\n' \
    "$DLT_VERSION" "$PYARROW_VERSION" "$SQLALCHEMY_VERSION" "$PSYCOPG2_VERSION" "$CONNECTORX_VERSION" \
    "$ADBC_POSTGRES_VERSION" "$SLING_BINARY_PACKAGE" "$SLING_BINARY_VERSION" \
    "$(python3 -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo none)"
}

log() { printf '[bench-peers] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "$(cat "$VENV/.tributary-complete" 2>/dev/null || true)" = "$(stamp)" ]; then
  echo "$VENV"
  exit 0
fi

mkdir -p "$CACHE_DIR"
exec 8>"$CACHE_DIR/.bench-venv.lock"
flock 8
# Another run may have finished while this one waited for the lock.
if [ "$(cat "$VENV/.tributary-complete" 2>/dev/null || true)" = "$(stamp)" ]; then
  echo "$VENV"
  exit 0
fi

# python3 -m venv needs ensurepip, which Debian ships apart (python3-venv).
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  log "installing python3-venv from Debian"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
fi

# Built in place (a venv cannot be moved: its scripts name their own path); the stamp is
# written last, so a half install is removed and redone on the next run.
rm -rf "$VENV"
log "creating $VENV (dlt $DLT_VERSION, sling $SLING_BINARY_VERSION; once)"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input \
  "dlt[postgres,sql-database]==$DLT_VERSION" "pyarrow==$PYARROW_VERSION" \
  "sqlalchemy==$SQLALCHEMY_VERSION" "psycopg2-binary==$PSYCOPG2_VERSION" \
  "connectorx==$CONNECTORX_VERSION" "adbc-driver-postgresql==$ADBC_POSTGRES_VERSION" \
  "$SLING_BINARY_PACKAGE==$SLING_BINARY_VERSION"
"$VENV/bin/python" -c 'import dlt, pyarrow, sqlalchemy, psycopg2, connectorx, adbc_driver_postgresql' ||
  { log "the venv was built but dlt cannot be imported"; exit 1; }
# The Sling binary inside the wheel, under a name the bench can call.
sling_bin="$("$VENV/bin/python" -c "import importlib.util as u, os; s = u.find_spec('${SLING_BINARY_PACKAGE//-/_}'); print(os.path.join(os.path.dirname(s.origin), 'bin', '$SLING_BINARY_PACKAGE'))")"
[ -x "$sling_bin" ] || { log "$SLING_BINARY_PACKAGE installed but $sling_bin is not an executable"; exit 1; }
ln -sf "$sling_bin" "$VENV/bin/sling"
stamp >"$VENV/.tributary-complete"
echo "$VENV"

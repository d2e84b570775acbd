#!/usr/bin/env bash
# Installs what the local stack needs, once: PostgreSQL (Debian), the Temporal CLI (built with
# go install) and the Kafka jars (from Maven Central). Everything downloaded is cached outside
# the repo in ${TRIBUTARY_CACHE:-$HOME/.cache/tributary}; a second run only checks and exits.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$CACHE_DIR"
# One installer at a time (make stack and the test setup may race); the Go build is slow.
exec 8>"$CACHE_DIR/.install.lock"
flock 8

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -q
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# --- PostgreSQL ------------------------------------------------------------------------------
if [ ! -x "$PG_BIN/postgres" ]; then
  log "installing PostgreSQL $PG_MAJOR from Debian"
  apt_install "postgresql-$PG_MAJOR" postgresql-contrib
  # The Debian package creates and starts a default cluster on 5432; we run our own clusters
  # on other ports, so that one is left alone.
fi

# --- Java and Maven (for Kafka) --------------------------------------------------------------
command -v java >/dev/null 2>&1 || { log "installing Java 17"; apt_install openjdk-17-jre-headless; }
command -v mvn >/dev/null 2>&1 || { log "installing Maven"; apt_install maven; }

# --- Temporal CLI ----------------------------------------------------------------------------
if [ -z "$(temporal_bin)" ]; then
  command -v go >/dev/null 2>&1 ||
    die "the Temporal CLI is missing and Go is not installed to build it (need Go >= 1.23)"
  log "building the Temporal CLI $TEMPORAL_CLI_VERSION with go install (a few minutes, once)"
  mkdir -p "$CACHE_DIR/bin"
  # Static build; later CLI tags cannot be installed with go install (replace directives).
  CGO_ENABLED=0 GOBIN="$CACHE_DIR/bin" \
    go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  [ -x "$CACHE_DIR/bin/temporal" ] || die "go install finished but $CACHE_DIR/bin/temporal is missing"
fi

# --- Kafka jars ------------------------------------------------------------------------------
# The marker records what the libs were resolved from, so a change of version or pom refetches.
kafka_stamp="$KAFKA_VERSION $KAFKA_SCALA_VERSION $(sha256sum <"$LOCAL_DIR/kafka/pom.xml" | cut -d' ' -f1)"
if [ "$(cat "$KAFKA_LIBS_MARKER" 2>/dev/null || true)" != "$kafka_stamp" ]; then
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  tmp_libs="$KAFKA_HOME/libs.tmp"
  rm -rf "$tmp_libs"
  mkdir -p "$KAFKA_HOME"
  mvn_log="$KAFKA_HOME/mvn.log"
  # Output to a log (Maven 3.8 prints colour codes even with -q); shown only on failure.
  mvn -B -Dstyle.color=never -f "$LOCAL_DIR/kafka/pom.xml" \
    -Dmaven.repo.local="$CACHE_DIR/m2" \
    -Dkafka.version="$KAFKA_VERSION" -Dscala.binary.version="$KAFKA_SCALA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp_libs" \
    >"$mvn_log" 2>&1 || { tail -n 30 "$mvn_log" >&2; die "Maven could not fetch the Kafka jars; see $mvn_log"; }
  [ -f "$tmp_libs/kafka_$KAFKA_SCALA_VERSION-$KAFKA_VERSION.jar" ] ||
    die "Maven finished but kafka_$KAFKA_SCALA_VERSION-$KAFKA_VERSION.jar is not in $tmp_libs"
  # Swap in whole so an interrupted download never looks complete.
  rm -rf "$KAFKA_LIBS"
  mv "$tmp_libs" "$KAFKA_LIBS"
  echo "$kafka_stamp" >"$KAFKA_LIBS_MARKER"
fi

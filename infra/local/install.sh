#!/usr/bin/env bash
# Installs what the local stack needs, once: PostgreSQL and PostGIS (Debian), the Temporal CLI, the S3
# server versitygw and Prometheus with promtool (built with go install), the Kafka and Kafka Connect jars and the Debezium
# plugin (from Maven Central). Everything downloaded is cached outside
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

# True when marker file $1 does not hold stamp $2 (missing, or written for other versions).
stale() { [ "$(cat "$1" 2>/dev/null || true)" != "$2" ]; }

# Maven with the shared repository cache, its output to log $1 (Maven 3.8 prints colour codes
# even with -q), shown only on failure; $2 names what it fetches, the rest are Maven's arguments.
mvn_fetch() {
  local out="$1" what="$2"
  shift 2
  mvn -B -Dstyle.color=never -Dmaven.repo.local="$CACHE_DIR/m2" "$@" \
    >"$out" 2>&1 || { tail -n 30 "$out" >&2; die "Maven could not fetch $what; see $out"; }
}

# Folder $1 fetched from Maven Central unless its marker .tributary-complete holds stamp $2: the
# function $4 fills the empty temp folder it is given, which is then swapped in whole, so an
# interrupted download never looks complete. $3 names what it fetches.
fetch_swapped() {
  local dir="$1" stamp="$2" what="$3" fill="$4" tmp="$1.tmp"
  stale "$dir/.tributary-complete" "$stamp" || return 0
  log "fetching $what from Maven Central into $dir"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  "$fill" "$tmp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  echo "$stamp" >"$dir/.tributary-complete"
}

# go install into a temp dir, then each command moved to its place, so a half build never counts.
# $1 names the build; then command=destination pairs up to "--"; the rest are go install's arguments.
go_build() {
  local gobin="$CACHE_DIR/bin/.$1-build" pair
  local -a moves=()
  shift
  while [ "$1" != -- ]; do moves+=("$1"); shift; done
  shift
  rm -rf "$gobin"
  mkdir -p "$gobin"
  # nice: the build shares the machine with everything else; static, no cgo.
  CGO_ENABLED=0 GOBIN="$gobin" nice -n 10 go install "$@"
  for pair in "${moves[@]}"; do
    [ -x "$gobin/${pair%%=*}" ] || die "go install finished but $gobin/${pair%%=*} is missing"
  done
  for pair in "${moves[@]}"; do mv "$gobin/${pair%%=*}" "${pair#*=}"; done
  rm -rf "$gobin"
}

# --- PostgreSQL ------------------------------------------------------------------------------
if [ ! -x "$PG_BIN/postgres" ]; then
  log "installing PostgreSQL $PG_MAJOR from Debian"
  apt_install "postgresql-$PG_MAJOR" postgresql-contrib
  # The Debian package creates and starts a default cluster on 5432; we run our own clusters
  # on other ports, so that one is left alone.
fi
# PostGIS for geometry and geography source columns (the type matrix); hstore, citext and ltree
# come with contrib. Debian installs it into the same share/lib directories as the server.
if [ ! -f "/usr/share/postgresql/$PG_MAJOR/extension/postgis.control" ]; then
  log "installing PostGIS 3 for PostgreSQL $PG_MAJOR from Debian"
  apt_install --no-install-recommends "postgresql-$PG_MAJOR-postgis-3"
fi

# --- Java and Maven (for Kafka) --------------------------------------------------------------
command -v java >/dev/null 2>&1 || { log "installing Java 17"; apt_install openjdk-17-jre-headless; }
command -v mvn >/dev/null 2>&1 || { log "installing Maven"; apt_install maven; }
# curl: readiness checks of the S3 server and Kafka Connect, and the bucket made at start (SigV4).
command -v curl >/dev/null 2>&1 || { log "installing curl"; apt_install curl; }

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
kafka_libs() {
  mvn_fetch "$KAFKA_HOME/mvn.log" "the Kafka jars" -f "$LOCAL_DIR/kafka/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" -Dscala.binary.version="$KAFKA_SCALA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$1"
  [ -f "$1/kafka_$KAFKA_SCALA_VERSION-$KAFKA_VERSION.jar" ] ||
    die "Maven finished but kafka_$KAFKA_SCALA_VERSION-$KAFKA_VERSION.jar is not in $1"
}
fetch_swapped "$KAFKA_LIBS" "$KAFKA_VERSION $KAFKA_SCALA_VERSION $(sha256sum <"$LOCAL_DIR/kafka/pom.xml" | cut -d' ' -f1)" \
  "Kafka $KAFKA_VERSION jars" kafka_libs

# --- S3-compatible object store (versitygw) --------------------------------------------------
# MinIO is not served by the Go module proxy (403 for its release tags), so the S3 stage runs on
# versitygw: Apache-2.0, checks SigV4 signatures, keeps objects as plain files. Named by version
# so a version change rebuilds; built into a temp dir and moved so a half build never counts.
if [ ! -x "$S3_BIN" ]; then
  command -v go >/dev/null 2>&1 ||
    die "versitygw (the local S3 server) is missing and Go is not installed to build it (need Go >= 1.25)"
  log "building versitygw $VERSITYGW_VERSION with go install (a few minutes, once)"
  go_build versitygw versitygw="$S3_BIN" -- "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
fi

# --- Prometheus and promtool ----------------------------------------------------------------
# Both from the one module, named by version like versitygw; built into a temp dir and moved.
# The module ships no built web UI: Prometheus serves its API (which is all the tests and the
# pictures use) and answers its graph pages with an error.
if [ ! -x "$PROM_BIN" ] || [ ! -x "$PROMTOOL_BIN" ]; then
  command -v go >/dev/null 2>&1 ||
    die "Prometheus is missing and Go is not installed to build it (need Go >= 1.25)"
  log "building Prometheus and promtool $PROMETHEUS_VERSION with go install (several minutes, once)"
  # remove_all_sd: no cloud service-discovery plugins (AWS, Azure, GCE, ...); file_sd and static
  # targets are all the local stack uses, and the build takes half as long.
  go_build prometheus prometheus="$PROM_BIN" promtool="$PROMTOOL_BIN" -- -tags remove_all_sd \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
fi

# --- Kafka Connect worker jars and the Debezium plugin ---------------------------------------
# One Maven run: the worker classpath (every jar but the plugin archive) and the plugin archive
# unpacked into plugin.path. Swapped in whole, like the Kafka jars.
connect_home() {
  mvn_fetch "$1/mvn.log" "the Kafka Connect jars" -f "$LOCAL_DIR/connect/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" -Ddebezium.version="$DEBEZIUM_VERSION" \
    -Dconnect.libs.dir="$1/libs" -Dconnect.plugins.dir="$1/plugins" \
    dependency:copy-dependencies@worker-libs dependency:unpack-dependencies@debezium-plugin
  [ -f "$1/libs/connect-runtime-$KAFKA_VERSION.jar" ] ||
    die "Maven finished but connect-runtime-$KAFKA_VERSION.jar is not in $1/libs"
  [ -f "$1/plugins/debezium-connector-postgres/debezium-connector-postgres-$DEBEZIUM_VERSION.jar" ] ||
    die "Maven finished but the Debezium PostgreSQL plugin is not in $1/plugins"
}
fetch_swapped "$CONNECT_HOME" "$KAFKA_VERSION $DEBEZIUM_VERSION $(sha256sum <"$LOCAL_DIR/connect/pom.xml" | cut -d' ' -f1)" \
  "Kafka Connect $KAFKA_VERSION and Debezium $DEBEZIUM_VERSION" connect_home

# --- Debezium JDBC sink plugin (the peer in bench/p4-cdc-apply.ts) ---------------------------
# Debezium's plugin archive unpacked into plugin.path beside the PostgreSQL connector, with a
# marker of its own: a refetch of the Connect home above removes it and this puts it back.
# Running workers see it only after a restart.
jdbc_plugin="$CONNECT_PLUGINS/debezium-connector-jdbc"
if stale "$jdbc_plugin/.tributary-complete" "$DEBEZIUM_JDBC_VERSION"; then
  log "fetching the Debezium JDBC sink $DEBEZIUM_JDBC_VERSION from Maven Central into $CONNECT_PLUGINS"
  tmp_jdbc="$CONNECT_HOME/jdbc-sink.tmp"
  rm -rf "$tmp_jdbc"
  mkdir -p "$tmp_jdbc"
  # Run inside the temp folder: with no project, Maven keeps its unpack markers under ./target.
  (cd "$tmp_jdbc" && mvn -B -Dstyle.color=never -Dmaven.repo.local="$CACHE_DIR/m2" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack \
    -Dartifact="io.debezium:debezium-connector-jdbc:$DEBEZIUM_JDBC_VERSION:tar.gz:plugin" \
    -DoutputDirectory="$tmp_jdbc/out" >"$tmp_jdbc/mvn.log" 2>&1) ||
    { tail -n 30 "$tmp_jdbc/mvn.log" >&2; die "Maven could not fetch the Debezium JDBC sink; see $tmp_jdbc/mvn.log"; }
  [ -f "$tmp_jdbc/out/debezium-connector-jdbc/debezium-connector-jdbc-$DEBEZIUM_JDBC_VERSION.jar" ] ||
    die "Maven finished but the Debezium JDBC sink plugin is not in $tmp_jdbc/out"
  echo "$DEBEZIUM_JDBC_VERSION" >"$tmp_jdbc/out/debezium-connector-jdbc/.tributary-complete"
  rm -rf "$jdbc_plugin"
  mv "$tmp_jdbc/out/debezium-connector-jdbc" "$jdbc_plugin"
  rm -rf "$tmp_jdbc"
fi

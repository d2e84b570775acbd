# shellcheck shell=bash disable=SC2034  # the variables here are used by the sourcing scripts
# Shared by install.sh, start.sh, stop.sh and status.sh: paths, the service tables and small
# helpers. Sourced, never run. Every path is derived from this file's location or $HOME so the
# scripts work from any cwd and on any machine.

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$LOCAL_DIR/versions.env"

CACHE_DIR="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
STACK_DIR="$REPO_ROOT/.local-stack"
# A checkout whose .local-stack links to another's shares that stack: use the real path, so the
# pid checks (which look for it in command lines) and config paths match whoever started it.
if [ -L "$STACK_DIR" ]; then STACK_DIR="$(cd "$STACK_DIR" && pwd -P)"; fi

PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"

# How long start.sh waits for one service to become ready (seconds).
START_TIMEOUT="${TRIBUTARY_START_TIMEOUT:-180}"

# name:port. Passwords/roles are in start.sh; the same ports are in env.sh and secrets.json.
PG_CLUSTERS=(source-us:55432 source-eu:55433 warehouse:55434)
# name:broker port:controller port:fixed cluster id (stable ids make the clusters recognisable).
KAFKA_CLUSTERS=(
  us-cell-1:19092:19192:dSlFOPeyTeOvnUT6e2-o4w
  us-cell-2:19093:19193:G5SF4At8TWCAhz6RanZCbQ
  eu-cell-1:19094:19194:2VzUAq39SV-JoGZF6wPOnQ
)
# One extra listener, SASL_PLAINTEXT with SCRAM-SHA-256, on one cluster only (its PLAINTEXT
# listener is unchanged): the Kafka secret-rotation test creates and rotates its own user there.
KAFKA_SASL_CLUSTER=us-cell-1
KAFKA_SASL_PORT=19095
# Two TLS listeners on the same cluster, with the local CA's server certificate: SASL_SSL with
# SCRAM-SHA-256, and SSL that requires a client certificate (mTLS).
KAFKA_SASL_SSL_PORT=19096
KAFKA_SSL_PORT=19097

# The local CA, made on first start (openssl) and kept: the server certificate (127.0.0.1,
# localhost) of PostgreSQL, Kafka and Connect, and a client certificate for mTLS tests.
TLS_DIR="$STACK_DIR/tls"
# The client certificate's CN: a PostgreSQL role that logs in with it (cert auth).
TLS_CLIENT_ROLE=tributary_tls
# Dev-only password of the PKCS#12 copy of the server key (Kafka Connect's HTTPS listener).
TLS_P12_PASSWORD=tributary-local
TEMPORAL_PORT=7233
TEMPORAL_UI_PORT=8233
TEMPORAL_DIR="$STACK_DIR/temporal"
TEMPORAL_DB="$TEMPORAL_DIR/dev.db"
TEMPORAL_LOG="$TEMPORAL_DIR/temporal.log"
TEMPORAL_PID="$TEMPORAL_DIR/temporal.pid"
TEMPORAL_SEARCH_ATTRIBUTES=(Pipeline Region Source ManagedBy)

# S3-compatible object store (versitygw, posix backend): one root account, buckets made at start.
# Dev-only credentials, also in secrets.json ("stage-s3") and env.sh.
S3_PORT=59000
S3_ACCESS_KEY=tributary
S3_SECRET_KEY=tributary-local
S3_REGION=us-east-1
S3_BUCKETS=(tributary-stage)
S3_DIR="$STACK_DIR/s3"
S3_BIN="$CACHE_DIR/bin/versitygw-$VERSITYGW_VERSION"

# Prometheus: scrapes every worker's /metrics and evaluates infra/prometheus/rules.yml. Workers
# are found through file_sd (one JSON file per worker in PROM_TARGETS, which tests and developers
# write) and the static port 9464 (a worker started by hand with metrics.prometheus.port 9464).
PROM_PORT=9090
PROM_DIR="$STACK_DIR/prometheus"
PROM_TARGETS="$PROM_DIR/targets"
PROM_STATIC_WORKERS=(127.0.0.1:9464)
PROM_BIN="$CACHE_DIR/bin/prometheus-$PROMETHEUS_VERSION"
PROMTOOL_BIN="$CACHE_DIR/bin/promtool-$PROMETHEUS_VERSION"

# Kafka Connect: one distributed worker per region, on that region's first cell.
# region:REST port:broker port. The Debezium plugin lives in CONNECT_PLUGINS (plugin.path).
CONNECT_WORKERS=(us:18083:19092 eu:18084:19094)
# Each worker's REST API is HTTPS only (the local CA's server certificate) with HTTP basic auth
# (Kafka's BasicAuthSecurityRestExtension): dev-only user and password, also secret
# "connect-local" in secrets.json; the users file and JAAS config are in CONNECT_AUTH_DIR.
CONNECT_USER=tributary
CONNECT_PASSWORD=connect-local
CONNECT_AUTH_DIR="$STACK_DIR/connect/auth"
CONNECT_HOME="$CACHE_DIR/connect-$KAFKA_VERSION-debezium-$DEBEZIUM_VERSION"
CONNECT_LIBS="$CONNECT_HOME/libs"
CONNECT_PLUGINS="$CONNECT_HOME/plugins"
# The role the connectors log in as (created in the source clusters by start.sh; secrets.json
# "app-us-cdc"/"app-eu-cdc"). Workers get the password in their environment so connector
# configs say ${env:TRIBUTARY_CDC_PASSWORD} instead of holding it.
CDC_ROLE=tributary_cdc
CDC_PASSWORD=cdc-local

log() { printf '[local-stack] %s\n' "$*" >&2; }
die() { printf '[local-stack] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run as root: directly when we are root, else through sudo (only apt-get needs this).
as_root() {
  if is_root; then "$@"; else sudo "$@"; fi
}

# PostgreSQL refuses to run as root, so when we are root its tools run as the postgres user;
# from / because that user may not be allowed into the caller's cwd.
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1 (also catches 0.0.0.0 binds).
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Who listens on port $1, for error messages ("" when unknown).
port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "( sport = :$1 )" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1 || true
  fi
}

# Fail with a clear message when port $1 is taken by something that is not ours.
require_free_port() {
  local port="$1" what="$2" owner
  if port_open "$port"; then
    owner="$(port_owner "$port")"
    die "port $port (needed by $what) is already in use by another process${owner:+: $owner}. Stop it or free the port."
  fi
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# The process's command line as one string (empty if gone).
pid_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# The pid of our process whose command line contains both $1 and $2 (a unique path), if any.
# Used to recover from a lost or stale pid file without matching anyone else's process.
find_pid() {
  local f p
  # One grep over all command lines (NUL-separated args; each marker lies within one arg).
  for f in $(grep -laF -- "$2" /proc/[0-9]*/cmdline 2>/dev/null || true); do
    p="${f#/proc/}"
    p="${p%/cmdline}"
    [ "$p" = "$$" ] && continue
    if grep -qaF -- "$1" "$f" 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# Pid of a service from its pid file, checked against the command line (pids get reused);
# falls back to a /proc scan and repairs the pid file. Prints nothing when it is not running.
service_pid() {
  local pidfile="$1" marker1="$2" marker2="$3" pid=""
  if [ -f "$pidfile" ]; then
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if pid_alive "$pid"; then
      case "$(pid_cmdline "$pid")" in *"$marker1"*"$marker2"* | *"$marker2"*"$marker1"*) echo "$pid"; return 0 ;; esac
    fi
    rm -f "$pidfile"  # stale: process gone or pid reused by something else
  fi
  if pid="$(find_pid "$marker1" "$marker2")"; then
    [ -d "$(dirname "$pidfile")" ] && echo "$pid" >"$pidfile"
    echo "$pid"
  fi
}

# --- per-service helpers --------------------------------------------------------------------

pg_data() { echo "$STACK_DIR/pg/$1"; }
pg_logfile() { echo "$STACK_DIR/pg/$1.log"; }

# Postmaster pid from postmaster.pid if that process is alive and is the postmaster of this
# data dir (pg_ctl starts it with -D <data>); a stale file's pid may belong to anyone now.
# Read directly because pg_ctl status refuses to run as root.
pg_pid() {
  local data pid
  data="$(pg_data "$1")"
  [ -f "$data/postmaster.pid" ] || return 0
  pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
  if pid_alive "$pid" && case "$(pid_cmdline "$pid")" in *"$data"*) true ;; *) false ;; esac; then
    echo "$pid"
  fi
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2; }

kafka_dir() { echo "$STACK_DIR/kafka/$1"; }
kafka_pid() { service_pid "$(kafka_dir "$1")/kafka.pid" "kafka.Kafka" "$(kafka_dir "$1")/server.properties"; }

temporal_pid() { service_pid "$TEMPORAL_PID" "start-dev" "$TEMPORAL_DB"; }

s3_pid() { service_pid "$S3_DIR/versitygw.pid" "versitygw" "$S3_DIR/data"; }

prom_pid() { service_pid "$PROM_DIR/prometheus.pid" "prometheus-$PROMETHEUS_VERSION" "$PROM_DIR/prometheus.yml"; }
prom_ready() { curl -sf --max-time 2 "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1; }

connect_dir() { echo "$STACK_DIR/connect/$1"; }
connect_pid() { service_pid "$(connect_dir "$1")/connect.pid" "ConnectDistributed" "$(connect_dir "$1")/worker.properties"; }

# True when the Connect worker's REST API on port $1 lists the Debezium PostgreSQL connector
# (HTTPS checked against the local CA, basic auth; the password through curl's config on stdin, not argv).
connect_ready() {
  printf 'user = "%s:%s"\n' "$CONNECT_USER" "$CONNECT_PASSWORD" |
    curl -sf --max-time 3 --config - --cacert "$TLS_DIR/ca.crt" "https://127.0.0.1:$1/connector-plugins" 2>/dev/null |
    grep -q '"io.debezium.connector.postgresql.PostgresConnector"'
}

# curl signed with the S3 root account (SigV4), for bucket checks at start.
s3_curl() {
  curl -s --max-time 10 --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

# The temporal binary install.sh chose (PATH first, then the cache).
temporal_bin() {
  if command -v temporal >/dev/null 2>&1; then
    command -v temporal
  elif [ -x "$CACHE_DIR/bin/temporal" ]; then
    echo "$CACHE_DIR/bin/temporal"
  fi
}

# Java for the Kafka tools (StorageTool, ClusterTool, console clients): quiet logging.
kafka_tool() {
  java -Xms64m -Xmx256m -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2-tools.xml" \
    -cp "$KAFKA_LIBS/*" "$@"
}

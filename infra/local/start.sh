#!/usr/bin/env bash
# Starts the local stack (3 PostgreSQL clusters, 3 single-node KRaft Kafka clusters, the
# Temporal dev server, an S3 server, Prometheus, a Kafka Connect worker with Debezium per region), all on
# 127.0.0.1, data and logs in <repo>/.local-stack/. Idempotent:
# what already runs is left alone, so a second start on a warm machine takes seconds.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$LOCAL_DIR/install.sh"

mkdir -p "$STACK_DIR"
# Two starts at once (make stack plus the test setup) would race on ports and initdb.
exec 9>"$STACK_DIR/.start.lock"
flock 9

# Last lines of the given log files, for failure messages.
show_logs() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    printf -- '--- last lines of %s ---\n' "$f" >&2
    tail -n 20 "$f" >&2
  done
}

# Starts "$@" detached from this shell (own session: no SIGINT/SIGHUP from the terminal),
# output appended to $2, pid written to $1.
launch() {
  local pidfile="$1" logfile="$2"
  shift 2
  # 9>&-: the daemon must not inherit (and so hold) the start lock.
  setsid nohup "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  echo "$!" >"$pidfile"
}

# ===================================================================================== TLS ===
# A local CA, made once and kept in $TLS_DIR: ca.crt (what clients trust), server.crt/key for
# 127.0.0.1, ::1 and localhost, client.crt/key (CN tributary-client) for mTLS. RSA keys in
# PKCS#8, which PostgreSQL, Java (Kafka's PEM key stores) and Node all read.
tls_make_cert() {
  local name="$1" subject="$2" ext="$3"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TLS_DIR/$name.key" 2>/dev/null &&
    openssl req -new -key "$TLS_DIR/$name.key" -subj "$subject" -out "$TLS_DIR/$name.csr" &&
    openssl x509 -req -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/ca.crt" -CAkey "$TLS_DIR/ca.key" \
      -CAcreateserial -days 3650 -sha256 -extfile <(printf '%s\n' "$ext") -out "$TLS_DIR/$name.crt" 2>/dev/null &&
    rm -f "$TLS_DIR/$name.csr"
}

# Connect's REST server (Jetty) reads no PEM key store: the server key and certificate as PKCS#12.
tls_make_p12() {
  [ -f "$TLS_DIR/server.p12" ] && return 0
  openssl pkcs12 -export -in "$TLS_DIR/server.crt" -inkey "$TLS_DIR/server.key" -name server \
    -passout "pass:$TLS_P12_PASSWORD" -out "$TLS_DIR/server.p12" ||
    die "tls: openssl could not write the PKCS#12 key store"
  chmod 600 "$TLS_DIR/server.p12"
}

ensure_local_ca() {
  [ -f "$TLS_DIR/.complete" ] && { tls_make_p12; return 0; }
  log "tls: making the local CA and certificates in $TLS_DIR (first start)"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.crt" \
    -days 3650 -sha256 -subj "/CN=Tributary local CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
    die "tls: openssl could not make the local CA"
  tls_make_cert server "/CN=localhost" $'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment' ||
    die "tls: openssl could not make the server certificate"
  tls_make_cert client "/CN=$TLS_CLIENT_ROLE" $'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment' ||
    die "tls: openssl could not make the client certificate"
  # Key and certificate in one file: Kafka's and Connect's PEM key stores read them so.
  cat "$TLS_DIR/server.key" "$TLS_DIR/server.crt" >"$TLS_DIR/server-keystore.pem"
  chmod 600 "$TLS_DIR"/*.key "$TLS_DIR/server-keystore.pem"
  tls_make_p12
  touch "$TLS_DIR/.complete"
}

# ============================================================================== PostgreSQL ===
if is_root; then
  id postgres >/dev/null 2>&1 || die "OS user 'postgres' is missing (it comes with the postgresql-$PG_MAJOR package)"
fi

# The postgres user must be able to walk down to .local-stack/pg: open up (search only, o+x)
# any ancestor directory that blocks it, e.g. a home directory with mode 700.
ensure_pg_reachable() {
  is_root || return 0
  as_pg test -x "$STACK_DIR" && return 0
  local d="" part
  local IFS=/
  for part in $STACK_DIR; do
    [ -n "$part" ] || continue
    d="$d/$part"
    if ! as_pg test -x "$d"; then
      log "allowing the postgres user to traverse $d (chmod o+x)"
      chmod o+x "$d"
    fi
  done
}

pg_write_config() {
  local name="$1" port="$2" data
  data="$(pg_data "$name")"
  # Rewritten on every start so changes here apply to existing clusters too.
  cat >"$data/tributary.conf" <<EOF
# Written by infra/local/start.sh on every start; edits here are overwritten.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '${data//\'/\'\'}'
max_connections = 200
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
password_encryption = 'scram-sha-256'
EOF
  pg_write_tls_config "$name"
  cat >"$data/pg_hba.conf" <<EOF
# Written by infra/local/start.sh on every start; edits here are overwritten.
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  trust
local   replication  all                  trust
hostssl all          $TLS_CLIENT_ROLE 127.0.0.1/32 cert
host    all          all   127.0.0.1/32   scram-sha-256
host    all          all   ::1/128        scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
host    replication  all   ::1/128        scram-sha-256
EOF
  is_root && chown postgres: "$data/tributary.conf" "$data/pg_hba.conf"
  return 0
}

# TLS on (ssl=on) with the local CA's server certificate; plaintext sessions are still accepted
# (pg_hba "host" lines match both). The key is copied into the data dir: PostgreSQL wants it
# owned by its user with mode 600. ssl_ca_file: client certificates signed by the local CA are
# checked, and role $TLS_CLIENT_ROLE logs in with one (cert auth, see pg_write_config).
pg_write_tls_config() {
  local data
  data="$(pg_data "$1")"
  install -m 600 "$TLS_DIR/server.key" "$data/server.key"
  install -m 644 "$TLS_DIR/server.crt" "$data/server.crt"
  install -m 644 "$TLS_DIR/ca.crt" "$data/ca.crt"
  is_root && chown postgres: "$data/server.key" "$data/server.crt" "$data/ca.crt"
  cat >>"$data/tributary.conf" <<'EOF'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.2'
ssl_ca_file = 'ca.crt'
EOF
}

# The server log is written by pg_ctl as the postgres user: make sure that user owns it.
pg_own_log() {
  local logfile
  logfile="$(pg_logfile "$1")"
  touch "$logfile"
  is_root && chown postgres: "$logfile"
  return 0
}

pg_init() {
  local name="$1" data
  data="$(pg_data "$name")"
  [ -f "$data/PG_VERSION" ] && return 0
  log "postgres $name: initdb (first start)"
  # A data dir without PG_VERSION is a failed earlier initdb of ours: start over.
  rm -rf "$data"
  mkdir -p "$data"
  chmod 700 "$data"
  is_root && chown postgres: "$data"
  pg_own_log "$name"
  as_pg "$PG_BIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >>"$(pg_logfile "$name")" 2>&1 ||
    { show_logs "$(pg_logfile "$name")"; die "initdb of postgres $name failed; see $(pg_logfile "$name")"; }
  # Our settings live in tributary.conf; relative includes resolve next to postgresql.conf.
  echo "include_if_exists = 'tributary.conf'" >>"$data/postgresql.conf"
}

# psql as the superuser over the cluster's own unix socket (trust), stopping on any error.
pg_psql() {
  local name="$1" port="$2"
  shift 2
  PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(pg_data "$name")" -p "$port" -U postgres "$@"
}

# Runs the SQL on stdin (with psql's further arguments) in postgres $name until it succeeded once:
# a marker file in the cluster's data directory says it did. $3 the marker, $4 what it does (logged).
pg_once() {
  local name="$1" port="$2" marker="$3" what="$4" data
  shift 4
  data="$(pg_data "$name")"
  [ -f "$data/$marker" ] && return 0
  log "postgres $name: $what"
  pg_psql "$name" "$port" -d postgres "$@" || die "postgres $name: $what failed (see above)"
  touch "$data/$marker"
}

# The superuser's password and the cluster's login role (psql variables role and password).
LOGIN_ROLE_SQL=$(
  cat <<'SQL'
ALTER ROLE postgres PASSWORD 'postgres';
SELECT format('CREATE ROLE %I', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'role', :'password') \gexec
SQL
)

# Roles, databases and grants. Idempotent SQL; runs until it succeeded once per cluster.
pg_bootstrap() {
  local name="$1" port="$2" role password databases
  if [ "$name" = warehouse ]; then
    role=tributary_writer password=writer-local
    databases=$(
      cat <<'SQL'
SELECT 'CREATE DATABASE warehouse OWNER tributary_writer'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'warehouse') \gexec
-- Owner of the database: may create schemas, and (PG 15) tables in public.
ALTER DATABASE warehouse OWNER TO tributary_writer;
SQL
    )
  else
    role=tributary_reader password=reader-local
    databases=$(
      cat <<'SQL'
SELECT 'CREATE DATABASE app'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'app') \gexec
GRANT CONNECT ON DATABASE app TO tributary_reader;
\connect app
GRANT USAGE ON SCHEMA public TO tributary_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO tributary_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO tributary_reader;
SQL
    )
  fi
  pg_once "$name" "$port" .tributary-bootstrapped "creating roles and databases" -v role="$role" -v password="$password" \
    <<<"$LOGIN_ROLE_SQL"$'\n'"$databases"
}

# The role Debezium connectors log in as: replication plus read access, nothing more. It does not
# own tables, so it cannot create publications: whoever owns the captured tables creates the
# publication and connectors run with publication.autocreate.mode=disabled. Its own marker, so
# clusters bootstrapped before this role existed get it too.
pg_bootstrap_cdc() {
  pg_once "$1" "$2" .tributary-cdc-role "creating role $CDC_ROLE" -v role="$CDC_ROLE" -v password="$CDC_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN REPLICATION PASSWORD %L', :'role', :'password') \gexec
SELECT format('GRANT CONNECT ON DATABASE app TO %I', :'role') \gexec
\connect app
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'role') \gexec
SELECT format('GRANT SELECT ON ALL TABLES IN SCHEMA public TO %I', :'role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO %I', :'role') \gexec
SQL
}

# The reader role's least privilege (docs/security.md): no REPLICATION (only the CDC role has
# it), no pg_read_all_stats (the safe upper bound does without; it would show every session's
# query text), every transaction read-only. Its own marker, so clusters bootstrapped when the
# role still had both lose them on their next start.
pg_reader_least_privilege() {
  pg_once "$1" "$2" .tributary-reader-least "tributary_reader without REPLICATION and pg_read_all_stats, read-only" <<'SQL'
ALTER ROLE tributary_reader NOREPLICATION;
ALTER ROLE tributary_reader SET default_transaction_read_only = on;
SELECT 'REVOKE pg_read_all_stats FROM tributary_reader'
  WHERE pg_has_role('tributary_reader', 'pg_read_all_stats', 'MEMBER') \gexec
SQL
}

# The role that logs in with the local CA's client certificate (its CN) and nothing else: it
# shows PostgreSQL client-certificate auth works. Its own marker, as for the CDC role.
pg_bootstrap_tls() {
  pg_once "$1" "$2" .tributary-tls-role "creating role $TLS_CLIENT_ROLE (client certificate)" -v role="$TLS_CLIENT_ROLE" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SQL
}

pg_start() {
  local name="$1" port="$2" data logfile
  data="$(pg_data "$name")"
  logfile="$(pg_logfile "$name")"
  if [ -n "$(pg_pid "$name")" ]; then
    return 0
  fi
  require_free_port "$port" "postgres $name"
  pg_write_config "$name" "$port"
  pg_own_log "$name"
  log "postgres $name: starting on 127.0.0.1:$port"
  # -w: pg_ctl itself waits until the server accepts connections. 9>&- as in launch().
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$logfile" -w -t "$START_TIMEOUT" start >/dev/null 9>&- ||
    { show_logs "$logfile"; die "postgres $name did not start; see $logfile"; }
}

start_postgres() {
  local entry name port
  mkdir -p "$STACK_DIR/pg"
  is_root && chown postgres: "$STACK_DIR/pg"
  ensure_pg_reachable
  for entry in "${PG_CLUSTERS[@]}"; do
    IFS=: read -r name port <<<"$entry"
    pg_init "$name"
    pg_start "$name" "$port"
    pg_bootstrap "$name" "$port"
    [ "$name" = warehouse ] || pg_bootstrap_cdc "$name" "$port"
    [ "$name" = warehouse ] || pg_reader_least_privilege "$name" "$port"
    pg_bootstrap_tls "$name" "$port"
  done
}

# =================================================================================== Kafka ===
KAFKA_LAUNCHED=()

kafka_write_config() {
  local name="$1" port="$2" cport="$3" dir sasl="" sasl_map=""
  dir="$(kafka_dir "$name")"
  if [ "$name" = "$KAFKA_SASL_CLUSTER" ]; then
    sasl=",SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT"
    sasl_map=",SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL"
  fi
  cat >"$dir/server.properties" <<EOF
# Written by infra/local/start.sh on every start; edits here are overwritten.
# Single-node KRaft cluster "$name": one process is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport$sasl
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport$sasl
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT$sasl_map
log.dirs=$dir/data
num.partitions=4
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
# One broker: every internal topic has a single replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  # SCRAM users live in the cluster metadata; with no authorizer, PLAINTEXT clients may add them.
  [ -z "$sasl" ] || cat >>"$dir/server.properties" <<'EOF'
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
  [ -z "$sasl" ] || kafka_write_tls_config "$dir"
}

# The SASL_SSL (SCRAM-SHA-256) and SSL (client certificate required) listeners: the local CA's
# server certificate as a PEM key store, the CA as the trust store.
kafka_write_tls_config() {
  cat >>"$1/server.properties" <<EOF
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/server-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.crt
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.ssl.ssl.client.auth=required
EOF
}

start_kafka_cluster() {
  local name="$1" port="$2" cport="$3" cluster_id="$4" dir
  dir="$(kafka_dir "$name")"
  [ -n "$(kafka_pid "$name")" ] && return 0
  require_free_port "$port" "kafka $name"
  require_free_port "$cport" "kafka $name (controller)"
  if [ "$name" = "$KAFKA_SASL_CLUSTER" ]; then
    require_free_port "$KAFKA_SASL_PORT" "kafka $name (SASL)"
    require_free_port "$KAFKA_SASL_SSL_PORT" "kafka $name (SASL_SSL)"
    require_free_port "$KAFKA_SSL_PORT" "kafka $name (SSL)"
  fi
  mkdir -p "$dir/data" "$dir/logs"
  kafka_write_config "$name" "$port" "$cport"
  if [ ! -f "$dir/data/meta.properties" ]; then
    log "kafka $name: formatting storage (first start, cluster id $cluster_id)"
    kafka_tool kafka.tools.StorageTool format --standalone --ignore-formatted \
      -t "$cluster_id" -c "$dir/server.properties" >>"$dir/logs/format.log" 2>&1 ||
      { show_logs "$dir/logs/format.log"; die "formatting kafka $name failed; see $dir/logs/format.log"; }
  fi
  log "kafka $name: starting on 127.0.0.1:$port"
  launch "$dir/kafka.pid" "$dir/logs/kafka.out" \
    java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dkafka.logs.dir="$dir/logs" -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2.xml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
  KAFKA_LAUNCHED+=("$name:$port")
}

# Ready = the broker port accepts connections and a metadata request (cluster id) succeeds.
wait_kafka() {
  local name="$1" port="$2" dir deadline
  dir="$(kafka_dir "$name")"
  deadline=$((SECONDS + START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ -z "$(kafka_pid "$name")" ]; then
      show_logs "$dir/logs/kafka.out" "$dir/logs/server.log"
      die "kafka $name exited during startup; see $dir/logs/server.log and $dir/logs/kafka.out"
    fi
    if port_open "$port" &&
      timeout 60 java -Xms32m -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2-tools.xml" -cp "$KAFKA_LIBS/*" \
        org.apache.kafka.tools.ClusterTool cluster-id --bootstrap-server "127.0.0.1:$port" \
        >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  show_logs "$dir/logs/server.log"
  die "kafka $name was not ready within ${START_TIMEOUT}s; see $dir/logs/server.log"
}

start_kafka() {
  local entry name port cport id
  for entry in "${KAFKA_CLUSTERS[@]}"; do
    IFS=: read -r name port cport id <<<"$entry"
    start_kafka_cluster "$name" "$port" "$cport" "$id"
  done
}

# ================================================================================ Temporal ===
# Task-queue priority and fairness (backfills behind regular runs, a fairness key per source
# server): the new matcher with fairness on, and one partition per queue, since priority orders
# tasks only within a partition. docs/deployment.md names the same settings for other servers.
TEMPORAL_PRIORITY_CONFIG=(
  --dynamic-config-value matching.useNewMatcher=true
  --dynamic-config-value matching.enableFairness=true
  --dynamic-config-value matching.numTaskqueueReadPartitions=1
  --dynamic-config-value matching.numTaskqueueWritePartitions=1
)
# The dev server's store is one SQLite file: in its default rollback journal every history write
# waits for an fsync, and with hundreds of runs at once the workflow tasks queue behind those.
# A write-ahead log synced at checkpoints still survives the server's own crash or kill (the
# restarts the fault suite makes); only an operating-system crash could lose the last writes.
TEMPORAL_SQLITE_PRAGMAS=(--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal)
start_temporal() {
  local bin
  bin="$(temporal_bin)"
  [ -n "$bin" ] || die "temporal CLI not found (install.sh should have built it)"
  [ -n "$(temporal_pid)" ] && return 0
  require_free_port "$TEMPORAL_PORT" "temporal"
  require_free_port "$TEMPORAL_UI_PORT" "temporal UI"
  mkdir -p "$TEMPORAL_DIR"
  log "temporal: starting dev server on 127.0.0.1:$TEMPORAL_PORT (UI :$TEMPORAL_UI_PORT)"
  launch "$TEMPORAL_PID" "$TEMPORAL_LOG" \
    "$bin" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$TEMPORAL_DB" "${TEMPORAL_SQLITE_PRAGMAS[@]}" --namespace default --log-level warn \
    --search-attribute Pipeline=Keyword --search-attribute Region=Keyword \
    --search-attribute Source=Keyword --search-attribute ManagedBy=Keyword \
    --dynamic-config-value frontend.WorkerHeartbeatsEnabled=true \
    "${TEMPORAL_PRIORITY_CONFIG[@]}"
}

# Inside a readiness loop: die showing log $3 when service $1 has no process any more ($2, its
# pid, empty) or deadline $4 (in SECONDS) has passed.
still_starting() {
  local what="$1" pid="$2" logfile="$3" deadline="$4"
  if [ -z "$pid" ]; then
    show_logs "$logfile"
    die "$what exited during startup; see $logfile"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    show_logs "$logfile"
    die "$what was not ready within ${START_TIMEOUT}s; see $logfile"
  fi
}

wait_temporal() {
  local bin deadline
  bin="$(temporal_bin)"
  deadline=$((SECONDS + START_TIMEOUT))
  until "$bin" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" \
    --command-timeout 5s 2>/dev/null | grep -q SERVING; do
    still_starting temporal "$(temporal_pid)" "$TEMPORAL_LOG" "$deadline"
    sleep 0.5
  done
}

# --search-attribute only registers attributes when the dev server creates the namespace (an
# existing dev.db keeps the old set), so add any that are missing.
ensure_search_attributes() {
  local bin existing sa
  bin="$(temporal_bin)"
  existing="$("$bin" operator search-attribute list --address "127.0.0.1:$TEMPORAL_PORT" \
    --namespace default --command-timeout 10s -o json)" ||
    die "could not list Temporal search attributes; see $TEMPORAL_LOG"
  for sa in "${TEMPORAL_SEARCH_ATTRIBUTES[@]}"; do
    grep -q "\"$sa\"" <<<"$existing" && continue
    log "temporal: adding search attribute $sa (Keyword)"
    "$bin" operator search-attribute create --address "127.0.0.1:$TEMPORAL_PORT" \
      --namespace default --command-timeout 10s --name "$sa" --type Keyword >/dev/null
  done
}

# ========================================================================= S3 (versitygw) ===
start_s3() {
  [ -n "$(s3_pid)" ] && return 0
  require_free_port "$S3_PORT" "s3"
  mkdir -p "$S3_DIR/data" "$S3_DIR/meta"
  log "s3: starting versitygw on 127.0.0.1:$S3_PORT"
  # Credentials through the environment, not argv (which ps shows). Metadata in a sidecar
  # folder, so the data folder needs no extended attributes.
  ROOT_ACCESS_KEY_ID="$S3_ACCESS_KEY" ROOT_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
    launch "$S3_DIR/versitygw.pid" "$S3_DIR/versitygw.log" \
    "$S3_BIN" --port "127.0.0.1:$S3_PORT" --region "$S3_REGION" --health /health --quiet \
    posix --sidecar "$S3_DIR/meta" "$S3_DIR/data"
}

# Ready = the health endpoint answers; then every bucket in S3_BUCKETS exists.
wait_s3() {
  local deadline bucket code
  deadline=$((SECONDS + START_TIMEOUT))
  until curl -sf --max-time 2 "http://127.0.0.1:$S3_PORT/health" >/dev/null 2>&1; do
    still_starting "s3 (versitygw)" "$(s3_pid)" "$S3_DIR/versitygw.log" "$deadline"
    sleep 0.2
  done
  for bucket in "${S3_BUCKETS[@]}"; do
    code="$(s3_curl -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$S3_PORT/$bucket")"
    [ "$code" = 200 ] && continue
    log "s3: creating bucket $bucket"
    code="$(s3_curl -o "$S3_DIR/create-bucket.out" -w '%{http_code}' -X PUT "http://127.0.0.1:$S3_PORT/$bucket")"
    [ "$code" = 200 ] || { cat "$S3_DIR/create-bucket.out" >&2; die "s3: creating bucket $bucket failed (HTTP $code)"; }
  done
}

# ============================================================================== Prometheus ===
# Rewritten on every start, like the other services' configs. Workers are found through file_sd:
# each JSON file in PROM_TARGETS lists targets (tests write one per worker they start, see
# test/integration/prometheus.ts); PROM_STATIC_WORKERS are scraped always.
prom_write_config() {
  local statics="" t
  for t in "${PROM_STATIC_WORKERS[@]}"; do statics+="'$t', "; done
  cat >"$PROM_DIR/prometheus.yml" <<EOF
# Written by infra/local/start.sh on every start; edits here are overwritten.
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - '$REPO_ROOT/infra/prometheus/rules.yml'
scrape_configs:
  - job_name: tributary-workers
    static_configs:
      - targets: [${statics%, }]
    file_sd_configs:
      - files: ['$PROM_TARGETS/*.json']
        refresh_interval: 5s
EOF
}

start_prometheus() {
  [ -n "$(prom_pid)" ] && return 0
  require_free_port "$PROM_PORT" "prometheus"
  mkdir -p "$PROM_DIR/data" "$PROM_TARGETS"
  prom_write_config
  "$PROMTOOL_BIN" check config "$PROM_DIR/prometheus.yml" >"$PROM_DIR/check.log" 2>&1 ||
    { show_logs "$PROM_DIR/check.log"; die "prometheus: the config or rules are invalid; see $PROM_DIR/check.log"; }
  log "prometheus: starting on 127.0.0.1:$PROM_PORT (API only)"
  launch "$PROM_DIR/prometheus.pid" "$PROM_DIR/prometheus.log" \
    "$PROM_BIN" --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
    --storage.tsdb.retention.time=7d --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-lifecycle
}

wait_prometheus() {
  local deadline
  deadline=$((SECONDS + START_TIMEOUT))
  until prom_ready; do
    still_starting prometheus "$(prom_pid)" "$PROM_DIR/prometheus.log" "$deadline"
    sleep 0.2
  done
}

# ========================================================================== Kafka Connect ===
CONNECT_LAUNCHED=()

connect_write_config() {
  local region="$1" rest="$2" broker="$3" dir
  dir="$(connect_dir "$region")"
  connect_write_auth
  connect_worker_properties "tributary-connect-$region" tributary-connect "$rest" "$broker" >"$dir/worker.properties"
}

# A distributed worker's properties: group $1, internal topics named $2-configs/-offsets/-status,
# REST over HTTPS only on 127.0.0.1:$3 with basic auth, Kafka on 127.0.0.1:$4. Also used by the
# Connect REST auth test for a worker of its own.
connect_worker_properties() {
  local group="$1" topics="$2" rest="$3" broker="$4"
  cat <<EOF
# Written by infra/local/start.sh on every start; edits here are overwritten.
# Distributed worker $group: its connectors, offsets and status live in topics of the region's
# first Kafka cell, so a restarted worker picks up where it stopped.
bootstrap.servers=127.0.0.1:$broker
group.id=$group
config.storage.topic=$topics-configs
offset.storage.topic=$topics-offsets
status.storage.topic=$topics-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
status.storage.partitions=1
# Connector configs may override these (e.g. key.converter.schemas.enable=false).
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
# Source offsets (the LSN Debezium resumes from) flushed every second: fewer replays after a crash.
offset.flush.interval.ms=1000
# One worker: a restarted worker takes its tasks back at once instead of after 5 minutes.
scheduled.rebalance.max.delay.ms=0
# The REST API over HTTPS only, with the local CA's server certificate (PKCS#12, see tls_make_p12).
listeners=https://127.0.0.1:$rest
rest.advertised.listener=https
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$rest
listeners.https.ssl.keystore.type=PKCS12
listeners.https.ssl.keystore.location=$TLS_DIR/server.p12
listeners.https.ssl.keystore.password=$TLS_P12_PASSWORD
listeners.https.ssl.key.password=$TLS_P12_PASSWORD
# HTTP basic auth on every REST call: the users in $CONNECT_AUTH_DIR/users.properties, through
# the JAAS file the JVM is started with (-Djava.security.auth.login.config).
rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension
plugin.path=$CONNECT_PLUGINS
# Debezium's jars carry ServiceLoader manifests: no slow scan of every class at start.
plugin.discovery=service_load
# Secrets stay out of connector configs: \${env:NAME} is resolved here, in the worker.
config.providers=env
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
config.providers.env.param.allowlist.pattern=^TRIBUTARY_CDC_.*
EOF
}

# The REST users (Connect's PropertyFileLoginModule reads user=password lines) and the JAAS file
# that names them; the same user and password are secret "connect-local" in secrets.json.
connect_write_auth() {
  mkdir -p "$CONNECT_AUTH_DIR"
  printf '%s=%s\n' "$CONNECT_USER" "$CONNECT_PASSWORD" >"$CONNECT_AUTH_DIR/users.properties"
  chmod 600 "$CONNECT_AUTH_DIR/users.properties"
  cat >"$CONNECT_AUTH_DIR/jaas.conf" <<EOF
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="$CONNECT_AUTH_DIR/users.properties";
};
EOF
}

start_connect_worker() {
  local region="$1" rest="$2" broker="$3" dir
  dir="$(connect_dir "$region")"
  [ -n "$(connect_pid "$region")" ] && return 0
  require_free_port "$rest" "kafka connect $region"
  mkdir -p "$dir/logs"
  connect_write_config "$region" "$rest" "$broker"
  log "kafka connect $region: starting (REST https://127.0.0.1:$rest with basic auth, Kafka 127.0.0.1:$broker)"
  TRIBUTARY_CDC_PASSWORD="$CDC_PASSWORD" \
    launch "$dir/connect.pid" "$dir/logs/connect.out" \
    java -Xms64m -Xmx384m -XX:+UseSerialGC -Djava.awt.headless=true \
    -Djava.security.auth.login.config="$CONNECT_AUTH_DIR/jaas.conf" \
    -Dconnect.logs.dir="$dir/logs" -Dlog4j2.configurationFile="$LOCAL_DIR/connect/log4j2.xml" \
    -cp "$CONNECT_LIBS/*" org.apache.kafka.connect.cli.ConnectDistributed "$dir/worker.properties"
  CONNECT_LAUNCHED+=("$region:$rest")
}

start_connect() {
  local entry region rest broker
  for entry in "${CONNECT_WORKERS[@]}"; do
    IFS=: read -r region rest broker <<<"$entry"
    start_connect_worker "$region" "$rest" "$broker"
  done
}

# Ready = the REST API answers and lists the Debezium PostgreSQL connector plugin.
wait_connect() {
  local region="$1" rest="$2" dir deadline
  dir="$(connect_dir "$region")"
  deadline=$((SECONDS + START_TIMEOUT))
  until connect_ready "$rest"; do
    if [ -z "$(connect_pid "$region")" ]; then
      show_logs "$dir/logs/connect.out" "$dir/logs/connect.log"
      die "kafka connect $region exited during startup; see $dir/logs/connect.log"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_logs "$dir/logs/connect.log"
      die "kafka connect $region was not ready within ${START_TIMEOUT}s; see $dir/logs/connect.log"
    fi
    sleep 0.5
  done
}

# =================================================================================== main ===
# Before starting anything: every port of a service that is not running must be free, so a
# conflict is reported up front instead of leaving a half-started stack.
preflight() {
  local entry name port cport conflicts=() p owner
  for entry in "${PG_CLUSTERS[@]}"; do
    IFS=: read -r name port <<<"$entry"
    [ -n "$(pg_pid "$name")" ] || conflicts+=("$port:postgres $name")
  done
  for entry in "${KAFKA_CLUSTERS[@]}"; do
    IFS=: read -r name port cport _ <<<"$entry"
    [ -n "$(kafka_pid "$name")" ] || conflicts+=("$port:kafka $name" "$cport:kafka $name (controller)")
    [ -n "$(kafka_pid "$name")" ] || [ "$name" != "$KAFKA_SASL_CLUSTER" ] ||
      conflicts+=("$KAFKA_SASL_PORT:kafka $name (SASL)" "$KAFKA_SASL_SSL_PORT:kafka $name (SASL_SSL)" "$KAFKA_SSL_PORT:kafka $name (SSL)")
  done
  [ -n "$(temporal_pid)" ] || conflicts+=("$TEMPORAL_PORT:temporal" "$TEMPORAL_UI_PORT:temporal UI")
  [ -n "$(s3_pid)" ] || conflicts+=("$S3_PORT:s3")
  [ -n "$(prom_pid)" ] || conflicts+=("$PROM_PORT:prometheus")
  for entry in "${CONNECT_WORKERS[@]}"; do
    IFS=: read -r name port _ <<<"$entry"
    [ -n "$(connect_pid "$name")" ] || conflicts+=("$port:kafka connect $name")
  done
  local msg=""
  for entry in "${conflicts[@]}"; do
    p="${entry%%:*}"
    port_open "$p" || continue
    owner="$(port_owner "$p")"
    msg+=$'\n'"  port $p (for ${entry#*:}) is used by another process${owner:+: $owner}"
  done
  [ -z "$msg" ] || die "cannot start the local stack, ports already in use:$msg"$'\n'"Stop those processes or free the ports, then run start.sh again."
}

# Run `$1 name port` in the background for each name:port after it, their jobs in waits.
wait_each() {
  local probe="$1" entry name port
  shift
  waits=()
  for entry in "$@"; do
    IFS=: read -r name port <<<"$entry"
    "$probe" "$name" "$port" &
    waits+=("$!")
  done
}

# Wait for every job in waits; fails when any of them failed.
all_waited() {
  local w failed=0
  for w in "${waits[@]}"; do
    wait "$w" || failed=1
  done
  [ "$failed" -eq 0 ]
}

preflight
ensure_local_ca
# The JVMs and the dev server boot slowly: launch them first, set up PostgreSQL meanwhile.
start_kafka
start_temporal
start_s3
start_prometheus
start_postgres

# Wait for the launched Kafka clusters in parallel (each readiness probe is a JVM).
wait_each wait_kafka "${KAFKA_LAUNCHED[@]}"
# Also when it was already running: a start interrupted earlier may have left it booting.
wait_temporal
all_waited || die "some Kafka clusters did not start (see above)"
# Connect keeps its state in Kafka: start the workers once the brokers answer.
start_connect
wait_s3
wait_prometheus
ensure_search_attributes
wait_each wait_connect "${CONNECT_LAUNCHED[@]}"
all_waited || die "some Kafka Connect workers did not start (see above)"

exec bash "$LOCAL_DIR/status.sh"

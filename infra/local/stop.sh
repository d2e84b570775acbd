#!/usr/bin/env bash
# Stops the local stack cleanly; idempotent (what is not running is skipped).
#   stop.sh           stop everything, keep data
#   stop.sh --purge   stop everything and delete .local-stack/ (all data and logs)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  *) die "usage: $0 [--purge]" ;;
esac

# SIGTERM, then wait up to $3 seconds for a clean shutdown before SIGKILL.
stop_pid() {
  local what="$1" pid="$2" grace="$3" waited=0
  log "$what: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  while pid_alive "$pid"; do
    if [ "$waited" -ge $((grace * 10)) ]; then
      log "$what: still running after ${grace}s, killing"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Connect first, while Kafka still runs: a worker stopping cleanly flushes its source offsets
# (the LSN Debezium resumes from) to Kafka.
pids=()
for entry in "${CONNECT_WORKERS[@]}"; do
  IFS=: read -r region _ <<<"$entry"
  pid="$(connect_pid "$region")"
  if [ -n "$pid" ]; then
    stop_pid "kafka connect $region" "$pid" 60 &
    pids+=("$!")
  fi
  rm -f "$(connect_dir "$region")/connect.pid"
done
for p in "${pids[@]}"; do
  wait "$p" || true
done

# Kafka, Temporal and S3 in parallel: each takes a few seconds to shut down cleanly.
pids=()
for entry in "${KAFKA_CLUSTERS[@]}"; do
  IFS=: read -r name _ <<<"$entry"
  pid="$(kafka_pid "$name")"
  if [ -n "$pid" ]; then
    stop_pid "kafka $name" "$pid" 60 &
    pids+=("$!")
  fi
  rm -f "$(kafka_dir "$name")/kafka.pid"
done
pid="$(temporal_pid)"
if [ -n "$pid" ]; then
  stop_pid temporal "$pid" 30 &
  pids+=("$!")
fi
rm -f "$TEMPORAL_PID"
pid="$(s3_pid)"
if [ -n "$pid" ]; then
  stop_pid s3 "$pid" 30 &
  pids+=("$!")
fi
rm -f "$S3_DIR/versitygw.pid"

for entry in "${PG_CLUSTERS[@]}"; do
  IFS=: read -r name _ <<<"$entry"
  if [ -n "$(pg_pid "$name")" ]; then
    log "postgres $name: stopping"
    # fast: roll back open transactions and disconnect clients instead of waiting for them.
    as_pg "$PG_BIN/pg_ctl" -D "$(pg_data "$name")" -m fast -w -t 60 stop >/dev/null
  fi
done

for p in "${pids[@]}"; do
  wait "$p" || true
done

if [ "$purge" -eq 1 ]; then
  log "removing $STACK_DIR"
  rm -rf "$STACK_DIR"
fi
log "stopped"

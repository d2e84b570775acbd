#!/usr/bin/env bash
# One line per service of the local stack: name, address, up/down, pid.
# Exit code 0 only when every service is up. Cheap (no JVM), so tests can call it freely.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all_up=0
line() {
  # kind name address state pid
  printf '%-9s %-10s %-16s %-4s%s\n' "$1" "$2" "$3" "$4" "${5:+  pid $5}"
  [ "$4" = up ] || all_up=1
}

# kind name port pid probe...: the service's line, up when it has a pid and the probe succeeds
# (state stays set for the caller).
service() {
  local kind="$1" name="$2" port="$3" pid="$4"
  shift 4
  if [ -n "$pid" ] && "$@"; then state=up; else state=down; fi
  line "$kind" "$name" "127.0.0.1:$port" "$state" "$pid"
}

# service_each kind pid_of probe entry...: a line per name:port:... entry, its pid from
# `pid_of name`, up when `probe port` succeeds.
service_each() {
  local kind="$1" pid_of="$2" probe="$3" entry name port pid
  shift 3
  for entry in "$@"; do
    IFS=: read -r name port _ <<<"$entry"
    pid="$("$pid_of" "$name")"
    service "$kind" "$name" "$port" "$pid" "$probe" "$port"
  done
}

s3_healthy() { curl -sf --max-time 2 "http://127.0.0.1:$S3_PORT/health" >/dev/null 2>&1; }

service_each postgres pg_pid pg_ready "${PG_CLUSTERS[@]}"

service_each kafka kafka_pid port_open "${KAFKA_CLUSTERS[@]}"

pid="$(s3_pid)"
service s3 versitygw "$S3_PORT" "$pid" s3_healthy

pid="$(prom_pid)"
service metrics prometheus "$PROM_PORT" "$pid" prom_ready

# Up = the REST API answers and lists the Debezium connector (curl, no JVM).
service_each connect connect_pid connect_ready "${CONNECT_WORKERS[@]}"

pid="$(temporal_pid)"
service temporal dev-server "$TEMPORAL_PORT" "$pid" port_open "$TEMPORAL_PORT"
[ "$state" = up ] && printf '%-9s %-10s %s\n' "" "web UI" "http://127.0.0.1:$TEMPORAL_UI_PORT"

exit "$all_up"

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

for entry in "${PG_CLUSTERS[@]}"; do
  IFS=: read -r name port <<<"$entry"
  pid="$(pg_pid "$name")"
  if [ -n "$pid" ] && pg_ready "$port"; then state=up; else state=down; fi
  line postgres "$name" "127.0.0.1:$port" "$state" "$pid"
done

for entry in "${KAFKA_CLUSTERS[@]}"; do
  IFS=: read -r name port _ <<<"$entry"
  pid="$(kafka_pid "$name")"
  if [ -n "$pid" ] && port_open "$port"; then state=up; else state=down; fi
  line kafka "$name" "127.0.0.1:$port" "$state" "$pid"
done

pid="$(s3_pid)"
if [ -n "$pid" ] && curl -sf --max-time 2 "http://127.0.0.1:$S3_PORT/health" >/dev/null 2>&1; then state=up; else state=down; fi
line s3 versitygw "127.0.0.1:$S3_PORT" "$state" "$pid"

# Up = the REST API answers and lists the Debezium connector (curl, no JVM).
for entry in "${CONNECT_WORKERS[@]}"; do
  IFS=: read -r region rest _ <<<"$entry"
  pid="$(connect_pid "$region")"
  if [ -n "$pid" ] && connect_ready "$rest"; then state=up; else state=down; fi
  line connect "$region" "127.0.0.1:$rest" "$state" "$pid"
done

pid="$(temporal_pid)"
if [ -n "$pid" ] && port_open "$TEMPORAL_PORT"; then state=up; else state=down; fi
line temporal dev-server "127.0.0.1:$TEMPORAL_PORT" "$state" "$pid"
[ "$state" = up ] && printf '%-9s %-10s %s\n' "" "web UI" "http://127.0.0.1:$TEMPORAL_UI_PORT"

exit "$all_up"

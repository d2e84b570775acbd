// Pure SQL for the safe upper bound of a watermark range, read on the primary in one statement
// (one snapshot): the bound as an instant and as a wall-clock reading of the watermark's zone,
// and the transactions in progress at that snapshot, which the bound itself cannot wait for
// when their start is not visible (a standby, or a role without pg_read_all_stats).
import { APPLICATION_NAME } from '../../pg/connect.js';
import { WATERMARK_FORMAT } from './watermark-sql.js';

/** A wall-clock reading with no zone, in the fixed format of checkpoints of naive watermarks. */
export const NAIVE_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US';

/** How far ahead the wall-clock bound looks for a clock moved back (DST ends): wider than any zone's shift. */
const LOOKAHEAD_MINUTES = 180;

/** Xids a snapshot's open range may span before the plan refuses to list them one by one. */
export const MAX_XID_SPAN = 5_000_000;

export interface BoundRow {
  /** The bound as an instant, UTC, WATERMARK_FORMAT. */
  instant: string;
  /** The lowest wall-clock reading of the zone at or after the bound, NAIVE_FORMAT. */
  local: string;
  /** The zone's wall clock now (plausibility). */
  local_now: string;
  /** Snapshot xmin and the next xid to be assigned (xid8, decimal). */
  xmin: string;
  next: string;
  /** Xids (xid8) in progress at the snapshot, and those of them whose start the bound already waits for. */
  in_progress: string[];
  explained: string[];
  standby: boolean;
  /** The primary's WAL position after the snapshot: a standby must replay up to it before it is read. */
  lsn: string | null;
}

/**
 * $1 lag in seconds, $2 the watermark's zone. Runs in a session with TimeZone=UTC.
 *
 * The bound never passes now() minus the lag, nor the start of the oldest transaction still open
 * whose start this role can see (now() is a transaction's start, so it may still commit rows
 * stamped then). Tributary's own sessions only read, so they are left out.
 *
 * The wall-clock bound is the lowest reading of the zone's clock from the bound on (in minute
 * steps, each after the first taken a minute early, so it is never above the true lowest): when
 * the clock is about to be set back, rows will still be stamped with readings below today's, and
 * the bound waits for them. Away from a clock change it is the bound's own reading.
 *
 * In progress at the snapshot: xids from its xmin to the next xid to be assigned that it does not
 * see as completed. The next xid is xmin plus age(xmin), which counts from the server's next xid;
 * it is read after the snapshot is taken, so it is never below the one the snapshot had.
 */
export function boundSql(): string {
  const visible = `SELECT xact_start, backend_xid FROM pg_stat_activity
                    WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
                      AND datname = current_database() AND backend_type = 'client backend'
                      AND application_name IS DISTINCT FROM '${APPLICATION_NAME}'
                      AND state <> 'idle'`;
  return `WITH vis AS MATERIALIZED (${visible}),
          b AS MATERIALIZED (
            SELECT least(now() - make_interval(secs => $1), (SELECT min(xact_start) FROM vis)) AS at, pg_current_snapshot() AS snap),
          x AS MATERIALIZED (
            SELECT b.*, pg_snapshot_xmin(snap)::text::numeric AS lo,
                   pg_snapshot_xmin(snap)::text::numeric + age(xid(pg_snapshot_xmin(snap))) AS hi FROM b),
          open AS MATERIALIZED (
            SELECT g, EXISTS (SELECT 1 FROM vis WHERE vis.backend_xid = xid(g::text::xid8)) AS explained
              FROM x, generate_series(x.lo, least(x.hi, x.lo + ${MAX_XID_SPAN}) - 1) g
             WHERE NOT pg_visible_in_snapshot(g::text::xid8, x.snap))
          SELECT to_char(x.at, '${WATERMARK_FORMAT}') AS instant,
                 to_char((SELECT min(((x.at + k * interval '1 minute') AT TIME ZONE $2) - CASE WHEN k = 0 THEN interval '0' ELSE interval '1 minute' END)
                            FROM generate_series(0, ${LOOKAHEAD_MINUTES}) k), '${NAIVE_FORMAT}') AS local,
                 to_char(now() AT TIME ZONE $2, '${NAIVE_FORMAT}') AS local_now,
                 x.lo::text AS xmin, x.hi::text AS next,
                 ARRAY(SELECT g::text FROM open ORDER BY g) AS in_progress,
                 ARRAY(SELECT g::text FROM open WHERE explained ORDER BY g) AS explained,
                 pg_is_in_recovery() AS standby,
                 CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn
            FROM x`;
}

/** $1 the primary's WAL position: has this standby replayed it? */
export const replayedSql = 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed, pg_is_in_recovery() AS standby';

// Is the zone assumed for a watermark the one its values are written in? Checked at every plan
// against the newest values of the table: rows an exact number of quarter hours ahead of the
// zone's clock, or, while rows are being written, the newest one that far behind it, say the
// values are written in another zone. Pure: the plan reads the values.
import pg from 'pg';
import { NAIVE_FORMAT } from './bound-sql.js';
import { WATERMARK_FORMAT } from './watermark-sql.js';

const { escapeIdentifier: ident } = pg;

/** Zone offsets are whole quarter hours; a clock a zone away sits that far off, give or take this. */
const SLACK_SECONDS = 120;
/** Rows further ahead than this are "in the future" (clock skew between servers stays below it). */
const FUTURE_SECONDS = 300;
/** More rows in the future than this, a zone apart, are a wrong zone; fewer are a warning. */
const HANDFUL = 10;

export interface Newest {
  /** Newest watermark value (in the checkpoint format), null when the table is empty. */
  newest: string | null;
  /** Rows stamped more than FUTURE_SECONDS ahead of the clock (counted up to HANDFUL * 100). */
  future: number;
}

/** $1 the watermark zone's clock now, in the watermark's own form. */
export function newestSql(schema: string, table: string, watermark: string, naive: boolean): string {
  const t = `${ident(schema)}.${ident(table)}`;
  const w = ident(watermark);
  const cast = naive ? 'timestamp' : 'timestamptz';
  return `SELECT (SELECT to_char(${w}, '${naive ? NAIVE_FORMAT : WATERMARK_FORMAT}') FROM ${t} WHERE ${w} IS NOT NULL ORDER BY ${w} DESC LIMIT 1) AS newest,
                 (SELECT count(*) FROM (SELECT 1 FROM ${t} WHERE ${w} > $1::${cast} + interval '${FUTURE_SECONDS} seconds' LIMIT ${HANDFUL * 100}) f)::int AS future`;
}

const seconds = (a: string, b: string) => (Date.parse(`${a.replace(/Z$/, '')}Z`) - Date.parse(`${b.replace(/Z$/, '')}Z`)) / 1000;

/** Zones lie at most 26 hours apart (UTC-12 to UTC+14). */
const MAX_ZONE_GAP_SECONDS = 26 * 3600;

/** Off by a whole number (>= 1 h, <= 26 h) of quarter hours, within the slack: a zone apart. */
function zoneApart(offsetSeconds: number): boolean {
  const quarters = Math.round(offsetSeconds / 900);
  return quarters >= 4 && offsetSeconds <= MAX_ZONE_GAP_SECONDS + SLACK_SECONDS && Math.abs(offsetSeconds - quarters * 900) <= SLACK_SECONDS;
}

const hm = (s: number) => {
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
};

export type Verdict = { ok: true; warning?: string } | { ok: false; error: string };

/**
 * `now`: the zone's clock now, in the watermark's form; `previousNewest`: the newest value at the
 * last recorded plan (rows are being written when it moved). `what` names pipeline, source and
 * column; `zoneNote` says which zone was assumed and why.
 */
export function judge(n: Newest, now: string, previousNewest: string | null, naive: boolean, what: string, zoneNote: string): Verdict {
  if (n.newest === null) return { ok: true };
  const ahead = seconds(n.newest, now);
  const advice = naive
    ? 'declare the zone the values are written in (watermarkTimeZone on the pipeline, timeZone of an incremental dimension) or set the source database\'s TimeZone to it'
    : 'check the clocks and zones of the applications that write it';
  if (n.future > 0) {
    if (naive && n.future > HANDFUL && zoneApart(ahead)) {
      return { ok: false, error: `${what}: ${n.future} rows are stamped ahead of the clock, the newest ${n.newest} by ${hm(ahead)} h in zone ${zoneNote}: the values look written in a zone ${hm(ahead)} h east of it; ${advice}` };
    }
    return { ok: true, warning: `${what}: ${n.future >= HANDFUL * 100 ? `at least ${n.future}` : n.future} row(s) stamped more than ${FUTURE_SECONDS / 60} minutes ahead of the clock (newest ${n.newest}, zone ${zoneNote}); they are read once the clock passes them` };
  }
  const behind = -ahead;
  if (naive && previousNewest !== null && n.newest > previousNewest && zoneApart(behind)) {
    return { ok: false, error: `${what}: rows are being written, yet the newest, ${n.newest}, is ${hm(behind)} h behind the clock of zone ${zoneNote}: the values look written in a zone ${hm(behind)} h west of it, and the checkpoint would pass rows not yet written; ${advice}` };
  }
  return { ok: true };
}

// The longest time between two fires of a pipeline's `schedule`: what "a run is late" and the
// default freshness SLO are measured against. Pure; numeric five-field crons in UTC (what the
// config accepts) and "@every" intervals.

const UNIT_SECONDS = { s: 1, m: 60, h: 3_600 } as const;
/** minute, hour, day of month, month, day of week: the ranges cron allows. */
const RANGES = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
] as const;
const MINUTE_MS = 60_000;
/** A year and a day from a fixed start: every cron the config accepts fires in it (or never). */
const SCAN_START = Date.UTC(2025, 0, 1);
const SCAN_DAYS = 366;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The values one cron field matches ("*", "a", "a-b", with "/step", comma lists). */
function fieldValues(field: string, [lo, hi]: readonly [number, number]): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [from, upTo] = range === '*' ? [lo, hi] : range!.split('-').map(Number);
    // "5/10" runs from 5 to the field's end; a plain "5" is just 5.
    const to = upTo ?? (stepText === undefined ? from! : hi);
    for (let v = from!; v <= to; v += Math.max(1, step)) out.add(v);
  }
  return out;
}

/** Scanning a year costs milliseconds, and hundreds of pipelines share a few schedules: each text is scanned once. */
const scanned = new Map<string, number | null>();

/** Seconds of the longest gap between consecutive fires; null for a cron that never fires. */
export function longestScheduleGapSeconds(schedule: string): number | null {
  const text = schedule.trim();
  if (!scanned.has(text)) scanned.set(text, scanGap(text));
  return scanned.get(text)!;
}

function scanGap(text: string): number | null {
  const every = /^@every (\d+)([smh])$/.exec(text);
  if (every) return Number(every[1]) * UNIT_SECONDS[every[2] as keyof typeof UNIT_SECONDS];
  const [minute, hour, dom, month, dow] = text.split(/\s+/).map((f, i) => fieldValues(f, RANGES[i]!));
  if (dow!.has(7)) dow!.add(0);
  // Cron's rule: when both day fields are restricted, a day matches either of them.
  const [domAll, dowAll] = [text.split(/\s+/)[2] === '*', text.split(/\s+/)[4] === '*'];
  const dayMatches = (d: Date) => {
    const byDom = dom!.has(d.getUTCDate());
    const byDow = dow!.has(d.getUTCDay());
    if (domAll || dowAll) return byDom && byDow;
    return byDom || byDow;
  };
  const hours = [...hour!].sort((a, b) => a - b);
  const minutes = [...minute!].sort((a, b) => a - b);
  let first: number | null = null;
  let last: number | null = null;
  let longest = 0;
  for (let day = 0; day < SCAN_DAYS; day++) {
    const midnight = SCAN_START + day * DAY_MS;
    const d = new Date(midnight);
    if (!month!.has(d.getUTCMonth() + 1) || !dayMatches(d)) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const t = midnight + (h * 60 + m) * MINUTE_MS;
        if (last !== null) longest = Math.max(longest, t - last);
        first ??= t;
        last = t;
      }
    }
  }
  if (first === null) return null;
  // One fire in the scanned year: it comes back a year later.
  return first === last ? 365 * 24 * 3_600 : longest / 1000;
}

// Checks a schedule text as Temporal will read it: five cron fields, each value inside its
// field's range, steps above zero, and at least one day that exists; or "@every N[smh]" with
// N above zero. Pure: the config schema calls it, and it says what is wrong in one sentence.

/** The longest @every interval accepted: a year (a longer one is almost surely a typo). */
export const MAX_EVERY_SECONDS = 366 * 24 * 3600;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  // 0 and 7 are both Sunday.
  { name: 'day of week', min: 0, max: 7 },
] as const;

/** The longest each month gets (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const PART = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

/** The values one field allows, or the reason it is malformed. */
function fieldValues(text: string, field: (typeof FIELDS)[number]): Set<number> | string {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = PART.exec(part);
    if (!m) return `the ${field.name} field "${text}" is not a number, a range a-b, * or a step /n`;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (step < 1) return `the ${field.name} field "${text}" has a step of 0`;
    const lo = m[1] === '*' ? field.min : Number(m[2]);
    const hi = m[1] === '*' ? field.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? field.max : lo;
    for (const v of [lo, hi]) {
      if (v < field.min || v > field.max) return `the ${field.name} field "${text}" has ${v}, outside ${field.min}-${field.max}`;
    }
    if (lo > hi) return `the ${field.name} field "${text}" has a range that runs backwards (${lo}-${hi})`;
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

/** Why a schedule text is refused, or undefined when it is a schedule that fires. */
export function cronProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@every')) {
    const m = /^@every (\d{1,9})([smh])$/.exec(s);
    if (!m) return 'expected "@every" with a whole number and a unit, like "@every 10m" (s, m or h)';
    const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
    if (seconds < 1) return `expected an interval above zero, got "${s}" (it would never wait)`;
    if (seconds > MAX_EVERY_SECONDS) return `expected an interval of at most 366 days, got "${s}"`;
    return undefined;
  }
  const parts = s.split(/\s+/);
  if (parts.length !== 5) return 'expected a cron expression with five fields like "*/15 * * * *", or "@every 10m"';
  const sets: Set<number>[] = [];
  for (const [i, field] of FIELDS.entries()) {
    const values = fieldValues(parts[i]!, field);
    if (typeof values === 'string') return `expected a valid cron expression: ${values}`;
    sets.push(values);
  }
  const [, , days, months] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const someDay = [...months].some((month) => [...days].some((day) => day <= MONTH_DAYS[month - 1]!));
  if (!someDay) return `expected a schedule that fires, but "${s}" names no day that exists (day ${[...days].join(',')} of month ${[...months].join(',')})`;
  return undefined;
}

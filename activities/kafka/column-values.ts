// JSON value -> the text a warehouse column of the configured type accepts. Anything staged must
// load, or a whole batch would fail at merge time; so every value is checked here and a value
// that does not fit is reported (the message then goes to the dead-letter table).

export type TopicColumnType = 'text' | 'integer' | 'bigint' | 'numeric' | 'double' | 'boolean' | 'timestamptz' | 'date' | 'jsonb';

/** The converted text, or why the value does not fit the type. */
export type Converted = { ok: true; text: string } | { ok: false; why: string };

const INT32 = [-2147483648n, 2147483647n] as const;
const INT64 = [-9223372036854775808n, 9223372036854775807n] as const;
const INTEGER_TEXT = /^-?\d+$/;
const NUMERIC_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

const fail = (why: string): Converted => ({ ok: false, why });
const ok = (text: string): Converted => ({ ok: true, text });

/** PostgreSQL text cannot hold NUL, and jsonb refuses \u0000 and lone surrogates. */
function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character';
  // String.prototype.isWellFormed is in Node 20, but not in the project's TypeScript lib yet.
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

/** The first string (key or value) inside a JSON value that jsonb would refuse. */
export function jsonbProblem(v: unknown): string | null {
  if (typeof v === 'string') return textProblem(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return 'holds a number beyond the range of a double';
  if (v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) {
    for (const x of v) {
      const p = jsonbProblem(x);
      if (p) return p;
    }
    return null;
  }
  for (const [k, x] of Object.entries(v)) {
    const p = textProblem(k) ?? jsonbProblem(x);
    if (p) return p;
  }
  return null;
}

function integer(v: unknown, range: readonly [bigint, bigint], type: string): Converted {
  let n: bigint;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return fail(`expected ${type}, got ${v}`);
    if (!Number.isSafeInteger(v)) return fail(`expected ${type}, got ${v}, beyond the exact range of a JSON number (send it as a string)`);
    n = BigInt(v);
  } else if (typeof v === 'string' && INTEGER_TEXT.test(v)) {
    n = BigInt(v);
  } else {
    return fail(`expected ${type}, got ${describe(v)}`);
  }
  if (n < range[0] || n > range[1]) return fail(`expected ${type}, got ${n}, out of range`);
  return ok(n.toString());
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDate(y: string, m: string, d: string): boolean {
  const month = Number(m);
  const year = Number(y);
  return year >= 1 && month >= 1 && month <= 12 && Number(d) >= 1 && Number(d) <= daysIn(year, month);
}

function timestamp(v: unknown): Converted {
  if (typeof v === 'number') {
    // Epoch milliseconds, as most producers send them.
    const d = new Date(v);
    if (!Number.isFinite(v) || Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) return fail(`expected a timestamp, got ${v}`);
    return ok(d.toISOString());
  }
  if (typeof v !== 'string') return fail(`expected a timestamp, got ${describe(v)}`);
  const m = TIMESTAMP.exec(v);
  if (!m) return fail(`expected an ISO-8601 timestamp, got ${JSON.stringify(v.slice(0, 40))}`);
  const [, y, mo, d, h, mi, s] = m;
  if (!validDate(y!, mo!, d!) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return fail(`expected a valid timestamp, got ${JSON.stringify(v)}`);
  // No zone means UTC (the warehouse session's zone); the text is passed on as written, keeping microseconds.
  return ok(m[8] ? v : `${v}Z`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

/** Converts a present, non-null JSON value to the text of a column of `type`. */
export function convert(v: unknown, type: TopicColumnType): Converted {
  switch (type) {
    case 'text': {
      if (typeof v === 'string') {
        const p = textProblem(v);
        return p ? fail(p) : ok(v);
      }
      if (typeof v === 'number' || typeof v === 'boolean') return ok(String(v));
      return fail(`expected text, got ${describe(v)}`);
    }
    case 'integer':
      return integer(v, INT32, 'an integer');
    case 'bigint':
      return integer(v, INT64, 'a bigint');
    case 'numeric':
    case 'double': {
      if (typeof v === 'number') return Number.isFinite(v) ? ok(String(v)) : fail(`expected a number, got ${v}, beyond the range of a double`);
      if (typeof v !== 'string' || !NUMERIC_TEXT.test(v)) return fail(`expected a number, got ${describe(v)}`);
      // Text the warehouse would refuse: an exponent beyond numeric's range, or a double that over- or underflows.
      if (Math.abs(Number(/e([-+]?\d+)$/i.exec(v)?.[1] ?? 0)) > 1000) return fail(`expected a number, got ${JSON.stringify(v)}, out of range`);
      const n = Number(v);
      if (type === 'double' && (!Number.isFinite(n) || (n === 0 && /[1-9]/.test(v.replace(/e.*$/i, ''))))) return fail(`expected a double, got ${JSON.stringify(v)}, out of range`);
      return ok(v);
    }
    case 'boolean':
      return typeof v === 'boolean' ? ok(v ? 'true' : 'false') : fail(`expected true or false, got ${describe(v)}`);
    case 'timestamptz':
      return timestamp(v);
    case 'date': {
      const m = typeof v === 'string' ? DATE.exec(v) : null;
      if (!m || !validDate(m[1]!, m[2]!, m[3]!)) return fail(`expected a date like "2026-01-31", got ${describe(v)}`);
      return ok(v as string);
    }
    case 'jsonb': {
      const p = jsonbProblem(v);
      return p ? fail(p) : ok(JSON.stringify(v));
    }
  }
}

// JSON value -> the text a warehouse column of the configured type accepts. Anything staged must
// load, or a whole batch would fail at merge time; so every value is checked here and a value
// that does not fit is reported (the message then goes to the dead-letter table).
import { isLosslessNumber, stringify as exactStringify } from 'lossless-json';
import type { TopicFamily } from '../../../types/topic-type.js';

/** The converter a column's value goes through (its type's family; modifiers are checked after, in typed-values.ts). */
export type TopicColumnType = TopicFamily;

/** The converted text, or why the value does not fit the type. */
export type Converted = { ok: true; text: string } | { ok: false; why: string };

const INT16 = [-32768n, 32767n] as const;
const INT32 = [-2147483648n, 2147483647n] as const;
const INT64 = [-9223372036854775808n, 9223372036854775807n] as const;
/** The ranges as numbers, for safe integers (every one of which is within INT64). */
const INT16_NUMBERS = [-32768, 32767] as const;
const INT32_NUMBERS = [-2147483648, 2147483647] as const;
const INT64_NUMBERS = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] as const;
const INTEGER_TEXT = /^-?\d+$/;
const NUMERIC_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/;
const BITS = /^[01]*$/;
/** The zone of a timestamp as timestamp() passes it on (it always has one), and the zones that are UTC. */
const ZONE = /(Z|[+-]\d{2}(?::?\d{2})?)$/;
const UTC_ZONE = /^(Z|[+-]00(?::?00)?)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Why a value does not fit its column (a class, so a result is told apart from the text by instanceof). */
export class Unfit {
  constructor(readonly why: string) {}
}

// Per value only the text is returned, and an object only when the value does not fit.
const fail = (why: string): Unfit => new Unfit(why);
const ok = (text: string): string => text;

/** PostgreSQL text cannot hold NUL, and jsonb refuses \u0000 and lone surrogates. */
function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character';
  // String.prototype.isWellFormed is in Node 20 and later, but not in the project's TypeScript lib yet.
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

/**
 * JSON nested deeper than this is refused (a dead letter that says so): a value this deep is
 * almost surely hostile, and writing it out again (JSON.stringify recurses) could overflow the
 * worker's stack. PostgreSQL's jsonb itself takes more.
 */
export const MAX_JSON_DEPTH = 1_000;

/**
 * The first string (key or value) inside a JSON value that jsonb would refuse, or a nesting
 * deeper than MAX_JSON_DEPTH. Walks with a stack of its own, so no depth overflows ours.
 */
export function jsonbProblem(value: unknown): string | null {
  const todo: [unknown, number][] = [[value, 0]];
  while (todo.length > 0) {
    const [v, depth] = todo.pop()!;
    if (typeof v === 'string') {
      const p = textProblem(v);
      if (p) return p;
      continue;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return 'holds a number beyond the range of a double';
    if (v === null || typeof v !== 'object' || isLosslessNumber(v)) continue;
    if (depth >= MAX_JSON_DEPTH) return `is nested more than ${MAX_JSON_DEPTH} levels deep`;
    if (Array.isArray(v)) {
      const items = v as unknown[];
      for (let i = items.length - 1; i >= 0; i--) todo.push([items[i], depth + 1]);
      continue;
    }
    const entries: [string, unknown][] = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      const p = textProblem(k);
      if (p) return p;
      todo.push([x, depth + 1]);
    }
  }
  return null;
}

/** Does a JSON value hold a number parsed exactly (a LosslessNumber) anywhere inside? */
function hasExactNumbers(value: unknown): boolean {
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const v = todo.pop();
    if (v === null || typeof v !== 'object') continue;
    if (isLosslessNumber(v)) return true;
    todo.push(...(Array.isArray(v) ? (v as unknown[]) : Object.values(v as Record<string, unknown>)));
  }
  return false;
}

function integer(v: unknown, range: readonly [bigint, bigint], safeRange: readonly [number, number], type: string): string | Unfit {
  let n: bigint;
  if (typeof v === 'number') {
    // Safe integers need no bigint: their text is the same, and so is the range check.
    if (Number.isSafeInteger(v)) return v < safeRange[0] || v > safeRange[1] ? fail(`expected ${type}, got ${v}, out of range`) : ok(String(v));
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

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month of the proleptic Gregorian calendar, as PostgreSQL counts them. */
function daysIn(year: number, month: number): number {
  return month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : MONTH_DAYS[month - 1]!;
}

function validDay(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

function validDate(y: string, m: string, d: string): boolean {
  return validDay(Number(y), Number(m), Number(d));
}

/** The value of the two ASCII digits at s[i], s[i + 1]; -1 if either is not a digit. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** The fast path's verdict; 'unknown': not the common form, the full pattern decides. */
type IsoFast = 'unknown' | 'invalid' | 'zoned';

/**
 * The common form of an ISO timestamp, without a regex: "YYYY-MM-DDTHH:MM:SS", optional fraction
 * of 1 to 6 digits, then "Z" or "+HH:MM"/"-HH:MM". Its verdict is the one the TIMESTAMP pattern
 * and the range checks give (unit-tested against them); any other form is left to them.
 */
function isoFast(v: string): IsoFast {
  const n = v.length;
  if (n < 20 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return 'unknown';
  const y1 = twoDigits(v, 0);
  const y2 = twoDigits(v, 2);
  const mo = twoDigits(v, 5);
  const d = twoDigits(v, 8);
  const h = twoDigits(v, 11);
  const mi = twoDigits(v, 14);
  const sec = twoDigits(v, 17);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return 'unknown';
  let i = 19;
  if (v.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < n && i - start < 7 && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
    if (i === start || i - start > 6) return 'unknown';
  }
  const zone = v.charCodeAt(i);
  if (zone === 90 /* Z */) {
    if (i + 1 !== n) return 'unknown';
  } else if (zone === 43 || zone === 45 /* + - */) {
    if (i + 6 !== n || twoDigits(v, i + 1) < 0 || v.charCodeAt(i + 3) !== 58 || twoDigits(v, i + 4) < 0) return 'unknown';
  } else {
    return 'unknown';
  }
  return validDay(y1 * 100 + y2, mo, d) && h <= 23 && mi <= 59 && sec <= 59 ? 'zoned' : 'invalid';
}

/** The common form of a plain decimal ("-12.5", "3", ".5", "7."), without a regex; false when not (then the pattern decides). */
function plainDecimal(v: string): boolean {
  const n = v.length;
  let i = v.charCodeAt(0) === 45 ? 1 : 0;
  let digits = 0;
  let c = v.charCodeAt(i);
  while (c >= 48 && c <= 57) {
    digits++;
    c = v.charCodeAt(++i);
  }
  if (c === 46) {
    c = v.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      digits++;
      c = v.charCodeAt(++i);
    }
  }
  return i === n && digits > 0;
}

function timestamp(v: unknown): string | Unfit {
  if (typeof v === 'number') {
    // Epoch milliseconds, as most producers send them.
    const d = new Date(v);
    if (!Number.isFinite(v) || Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) return fail(`expected a timestamp, got ${v}`);
    return ok(d.toISOString());
  }
  if (typeof v !== 'string') return fail(`expected a timestamp, got ${describe(v)}`);
  const fast = isoFast(v);
  if (fast === 'zoned') return ok(v);
  if (fast === 'invalid') return fail(`expected a valid timestamp, got ${JSON.stringify(v)}`);
  const m = TIMESTAMP.exec(v);
  if (!m) return fail(`expected an ISO-8601 timestamp, got ${JSON.stringify(v.slice(0, 40))}`);
  const [, y, mo, d, h, mi, s] = m;
  if (!validDate(y!, mo!, d!) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return fail(`expected a valid timestamp, got ${JSON.stringify(v)}`);
  // No zone means UTC (the warehouse session's zone); the text is passed on as written, keeping microseconds.
  return ok(m[8] ? v : `${v}Z`);
}

/** A timestamp without time zone: PostgreSQL would drop an offset, so only UTC (or none) is taken. */
function localTimestamp(v: unknown): string | Unfit {
  const t = timestamp(v);
  if (t instanceof Unfit) return t;
  const zone = ZONE.exec(t)?.[1];
  return zone === undefined || UTC_ZONE.test(zone) ? t : fail(`expected a timestamp in UTC or without an offset (the column keeps no zone), got ${JSON.stringify(t)}`);
}

function time(v: unknown): string | Unfit {
  const m = typeof v === 'string' ? TIME.exec(v) : null;
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return fail(`expected a time like "13:45:00.25", got ${describe(v)}`);
  return ok(v as string);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  if (isLosslessNumber(v)) return `number ${v.value}`;
  return typeof v;
}

/** What the families no JSON number converts to expect instead. */
const NOT_A_NUMBER = { boolean: 'true or false', date: 'a date', time: 'a time', bit: 'a bit string' } as const;

/** Converts a present, non-null JSON value to the text of a column of `type`. */
export function convert(v: unknown, type: TopicColumnType): Converted {
  const r = columnText(v, type);
  return r instanceof Unfit ? { ok: false, why: r.why } : { ok: true, text: r };
}

/** As convert, without an object per value: the text, or why the value does not fit. */
export function columnText(v: unknown, type: TopicColumnType): string | Unfit {
  // A JSON number a double cannot hold exactly (parsed by map-message's exact path): its digits
  // go on as written into text, integer and numeric columns, never rounded.
  if (isLosslessNumber(v)) {
    if (type === 'jsonb') return ok(v.value);
    if (type === 'timestamptz' || type === 'timestamp') return columnText(Number(v.value), type);
    if (type === 'boolean' || type === 'date' || type === 'time' || type === 'bit') return fail(`expected ${NOT_A_NUMBER[type]}, got ${describe(v)}`);
    return columnText(v.value, type);
  }
  switch (type) {
    case 'text': {
      if (typeof v === 'string') {
        const p = textProblem(v);
        return p ? fail(p) : ok(v);
      }
      if (typeof v === 'number' || typeof v === 'boolean') return ok(String(v));
      return fail(`expected text, got ${describe(v)}`);
    }
    case 'smallint':
      return integer(v, INT16, INT16_NUMBERS, 'a smallint');
    case 'integer':
      return integer(v, INT32, INT32_NUMBERS, 'an integer');
    case 'bigint':
      return integer(v, INT64, INT64_NUMBERS, 'a bigint');
    case 'numeric':
    case 'double': {
      if (typeof v === 'number') return Number.isFinite(v) ? ok(String(v)) : fail(`expected a number, got ${v}, beyond the range of a double`);
      // Without an exponent nothing is out of numeric's range, nor, up to 300 characters, out of a double's.
      if (typeof v === 'string' && v.length <= 300 && plainDecimal(v)) return ok(v);
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
    case 'timestamp':
      return localTimestamp(v);
    case 'time':
      return time(v);
    case 'bit':
      return typeof v === 'string' && BITS.test(v) ? ok(v) : fail(`expected a bit string like "0101", got ${describe(v)}`);
    case 'date': {
      const m = typeof v === 'string' ? DATE.exec(v) : null;
      if (!m || !validDate(m[1]!, m[2]!, m[3]!)) return fail(`expected a date like "2026-01-31", got ${describe(v)}`);
      return ok(v as string);
    }
    case 'jsonb': {
      const p = jsonbProblem(v);
      // exactStringify writes exact numbers with their digits, and everything else as JSON.stringify does.
      return p ? fail(p) : ok(hasExactNumbers(v) ? exactStringify(v)! : JSON.stringify(v));
    }
  }
}

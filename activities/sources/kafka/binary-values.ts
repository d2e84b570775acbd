// A mapped value (the text columnText returned, already checked to fit its type) as the field a
// PostgreSQL binary COPY reads for the column's type: the warehouse then parses nothing. Every
// encoding here is checked against PostgreSQL's own text input on the real warehouse
// (test/integration/topic-binary-values.test.ts).
import type { BinaryTuples } from '../../stage/binary-tuples.js';
import type { TopicColumnType } from './column-values.js';

/** Days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01. */
const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_SECONDS = PG_EPOCH_DAYS * 86_400;
/** Seconds beyond which seconds x 10^6 is no longer a safe integer. */
const SAFE_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1e6) - 1;
const NUMERIC_NEG = 0x4000;
const JSONB_VERSION = 1;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const digitAt = (s: string, i: number) => s.charCodeAt(i) - 48;
const digits = (s: string, from: number, to: number) => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + digitAt(s, i);
  return n;
};

/** Microseconds since 2000-01-01 UTC, from whole seconds since 1970 and the microseconds after them. */
function writeTimestamp(w: BinaryTuples, unixSeconds: number, micros: number): void {
  const seconds = unixSeconds - PG_EPOCH_SECONDS;
  if (Math.abs(seconds) < SAFE_SECONDS) w.int64(seconds * 1e6 + micros);
  else w.bigint64(BigInt(seconds) * 1_000_000n + BigInt(micros));
}

/**
 * An ISO-8601 timestamp as columnText passes it on: "YYYY-MM-DD", "T" or a space, "HH:MM",
 * optional ":SS" and a fraction of 1 to 6 digits, then "Z" or an offset "+HH", "+HHMM" or
 * "+HH:MM" (columnText adds "Z" when there was none).
 */
function timestamptz(w: BinaryTuples, s: string): void {
  const days = daysFromCivil(digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10));
  let seconds = days * 86_400 + digits(s, 11, 13) * 3600 + digits(s, 14, 16) * 60;
  let i = 16;
  let micros = 0;
  if (s.charCodeAt(i) === 58 /* : */) {
    seconds += digits(s, 17, 19);
    i = 19;
    if (s.charCodeAt(i) === 46 /* . */) {
      const start = ++i;
      while (i < s.length && digitAt(s, i) >= 0 && digitAt(s, i) <= 9) i++;
      micros = digits(s, start, i) * 10 ** (6 - (i - start));
    }
  }
  const zone = s.charCodeAt(i);
  if (zone === 43 || zone === 45 /* + - */) {
    const hours = digits(s, i + 1, i + 3);
    const mm = s.charCodeAt(i + 3) === 58 ? i + 4 : i + 3;
    const minutes = mm + 2 <= s.length ? digits(s, mm, mm + 2) : 0;
    const offset = hours * 3600 + minutes * 60;
    seconds += zone === 43 ? -offset : offset;
  }
  writeTimestamp(w, seconds, micros);
}

/** A time of day ("HH:MM", optional ":SS" and a fraction of 1 to 6 digits) as microseconds since midnight. */
function timeOfDay(w: BinaryTuples, s: string): void {
  let micros = (digits(s, 0, 2) * 3600 + digits(s, 3, 5) * 60 + (s.length >= 8 ? digits(s, 6, 8) : 0)) * 1e6;
  if (s.length > 9) micros += digits(s, 9, s.length) * 10 ** (6 - (s.length - 9));
  w.int64(micros);
}

/** Epoch milliseconds (a Kafka timestamp) as a timestamptz. */
export function writeEpochMillis(w: BinaryTuples, ms: number): void {
  const seconds = Math.floor(ms / 1000);
  writeTimestamp(w, seconds, (ms - seconds * 1000) * 1000);
}

/**
 * Decimal text ("-12.50", ".5", "7.", "1.5e-7", "1e+21") as PostgreSQL's binary numeric: digit
 * count, weight of the first base-10000 digit, sign, display scale (the digits after the point
 * that numeric_in would keep), then the base-10000 digits without leading or trailing zeros.
 */
export function numericWords(s: string): number[] {
  let i = 0;
  const negative = s.charCodeAt(0) === 45;
  if (negative) i++;
  let intDigits = 0;
  let fracDigits = 0;
  let c = s.charCodeAt(i);
  while (c >= 48 && c <= 57) {
    intDigits++;
    c = s.charCodeAt(++i);
  }
  let ds = s.slice(negative ? 1 : 0, i);
  if (c === 46) {
    const start = ++i;
    c = s.charCodeAt(i);
    while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
    fracDigits = i - start;
    ds += s.slice(start, i);
  }
  const exponent = i < s.length ? Number(s.slice(i + 1)) : 0;
  const dscale = Math.max(0, fracDigits - exponent);
  // The value is 0.ds x 10^point: `point` digits of ds stand before the decimal point.
  let point = intDigits + exponent;
  let first = 0;
  while (first < ds.length && ds.charCodeAt(first) === 48) first++;
  let last = ds.length;
  while (last > first && ds.charCodeAt(last - 1) === 48) last--;
  if (first === last) return [0, 0, 0, dscale];
  point -= first;
  ds = ds.slice(first, last);
  // Align to base-10000 groups around the decimal point.
  const pad = (((4 - point) % 4) + 4) % 4;
  const aligned = '0'.repeat(pad) + ds + '0'.repeat((4 - ((pad + ds.length) % 4)) % 4);
  const weight = (point + pad) / 4 - 1;
  const words: number[] = [0, weight, negative ? NUMERIC_NEG : 0, dscale];
  for (let g = 0; g < aligned.length; g += 4) words.push(digits(aligned, g, g + 4));
  while (words.length > 4 && words[words.length - 1] === 0) words.pop();
  words[0] = words.length - 4;
  return words;
}

/** Writes one mapped value (null: NULL) as a binary COPY field of its column's type. */
export function writeBinaryValue(w: BinaryTuples, text: string | null, type: TopicColumnType | 'raw'): void {
  if (text === null) return w.null();
  switch (type) {
    case 'text':
      return w.utf8(text);
    case 'smallint':
      return w.int16(Number(text));
    case 'integer':
      return w.int32(Number(text));
    case 'bigint': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? w.int64(n) : w.bigint64(BigInt(text));
    }
    case 'double':
      return w.float64(Number(text));
    case 'numeric':
      return w.int16s(numericWords(text));
    case 'boolean':
      return w.bool(text === 'true');
    case 'timestamptz':
    case 'timestamp':
      // A timestamp's text is in UTC or has no offset (column-values), so both are the same microseconds.
      return timestamptz(w, text);
    case 'time':
      return timeOfDay(w, text);
    case 'bit':
      return w.bits(text);
    case 'date':
      return w.int32(daysFromCivil(digits(text, 0, 4), digits(text, 5, 7), digits(text, 8, 10)) - PG_EPOCH_DAYS);
    case 'jsonb':
    case 'raw':
      return w.utf8(text, JSONB_VERSION);
  }
}

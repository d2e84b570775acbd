// Debezium's encodings of decimals, dates, times and timestamps, turned into the text the
// warehouse reads back as the same value (PostgreSQL's own output style: ISO dates, trailing
// zeros of fractions dropped, "BC" for years before 1). Integer arithmetic only: no Date, no
// time zone, no float rounding.

const MICROS_PER_DAY = 86_400_000_000n;

/** Unscaled two's-complement big-endian bytes (Connect Decimal, base64 in JSON) as a bigint. */
export function unscaledFromBase64(b64: string): bigint {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  return bytes[0]! & 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

/** unscaled × 10^-scale, written with exactly `scale` fraction digits (as numeric(p,s) prints). */
/** PostgreSQL numeric's largest display scale: a declared scale beyond it is not a PostgreSQL value (and would cost its size in memory). */
export const MAX_DECIMAL_SCALE = 16_383;

export function decimalText(unscaled: bigint, scale: number): string {
  if (!Number.isInteger(scale) || Math.abs(scale) > MAX_DECIMAL_SCALE) throw new RangeError(`decimal scale ${scale} is beyond PostgreSQL numeric's ${MAX_DECIMAL_SCALE}`);
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  if (scale <= 0) return `${sign}${digits}${'0'.repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

const pad = (n: number | bigint, width: number) => n.toString().padStart(width, '0');

/** Proleptic Gregorian date of a day number (days since 1970-01-01); year 0 is 1 BC. */
function civil(days: number): { y: number; m: number; d: number } {
  // Howard Hinnant's days_from_civil inverse, on 400-year eras.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function dateParts(days: number): { date: string; bc: boolean } {
  const { y, m, d } = civil(days);
  const bc = y <= 0;
  return { date: `${pad(bc ? 1 - y : y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, bc };
}

const shownDay = (days: number) => {
  const { date, bc } = dateParts(days);
  return bc ? `${date} BC` : date;
};

// The days every warehouse holds, as days since 1970-01-01: PostgreSQL's first (4714-11-24 BC,
// Julian day 0) to the last of year 294276, where PostgreSQL's timestamps and Redshift's dates
// and timestamps end. Debezium sends no later date as itself (docs/types.md): a day outside is
// refused here, so its event follows the dead-letter policy instead of failing the load.
const FIRST_DAY = -2_440_588;
const LAST_DAY = 106_762_939;

function checkDay(days: number, what: () => string): void {
  if (days < FIRST_DAY || days > LAST_DAY) throw new RangeError(`${what()} is outside 4714-11-24 BC to 294276-12-31, the days every warehouse holds`);
}

/** io.debezium.time.Date / org.apache.kafka.connect.data.Date: days since the epoch. */
export function dateText(days: number): string {
  // Day numbers are int32: each is a date the calendar can print.
  checkDay(days, () => `date ${shownDay(days)} (day ${days})`);
  return shownDay(days);
}

function fraction(micros: bigint): string {
  if (micros === 0n) return '';
  return `.${pad(micros, 6).replace(/0+$/, '')}`;
}

/** Time of day from microseconds since midnight; 24:00:00 (PostgreSQL allows it) stays 24:00:00. */
export function timeText(micros: bigint): string {
  if (micros < 0n || micros > MICROS_PER_DAY) throw new RangeError(`time of day out of range: ${micros} µs`);
  const secs = micros / 1_000_000n;
  return `${pad(secs / 3600n, 2)}:${pad((secs / 60n) % 60n, 2)}:${pad(secs % 60n, 2)}${fraction(micros % 1_000_000n)}`;
}

/**
 * Debezium's stand-ins for PostgreSQL's ±infinity timestamps: the JDBC driver's infinity markers,
 * sent as milliseconds (scaled to these microseconds by the caller); both lie past PostgreSQL's
 * last timestamp, so no real value reads as one.
 */
const INFINITY_MICROS = new Map([
  [9_223_372_036_825_200_000n, 'infinity'],
  [-9_223_372_036_832_400_000n, '-infinity'],
]);

/** A timestamp without time zone from microseconds since 1970-01-01 00:00 (wall clock, no zone). */
export function timestampText(micros: bigint): string {
  const infinite = INFINITY_MICROS.get(micros);
  if (infinite) return infinite;
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    days -= 1n;
    rest += MICROS_PER_DAY;
  }
  const day = Number(days);
  const { date, bc } = dateParts(day);
  const text = `${date} ${timeText(rest)}${bc ? ' BC' : ''}`;
  checkDay(day, () => `timestamp ${text} (${micros} µs)`);
  return text;
}

// Years past 9999 carry a "+", years before 1 a "-" (ISO year 0 is 1 BC, -4712 is 4713 BC).
const ISO_ZONED = /^([+-]?)(\d{4,})(-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)$/;
const ISO_ZONED_TIME = /^(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)$/;

function zone(z: string): string {
  return z === 'Z' ? '+00' : z;
}

function isoFraction(f: string | undefined): string {
  const trimmed = (f ?? '').replace(/0+$/, '');
  return trimmed ? `.${trimmed}` : '';
}

/** io.debezium.time.ZonedTimestamp ("2024-02-29T11:45:30.123456Z", "infinity") as timestamptz text. */
export function zonedTimestampText(iso: string): string {
  if (iso === 'infinity' || iso === '-infinity') return iso;
  const m = ISO_ZONED.exec(iso);
  if (!m) throw new RangeError(`not an ISO-8601 zoned timestamp: ${JSON.stringify(iso.slice(0, 40))}`);
  const year = BigInt(`${m[1]}${m[2]}`);
  const bc = year <= 0n;
  const shown = pad(bc ? 1n - year : year, 4);
  const text = `${shown}${m[3]} ${m[4]}${isoFraction(m[5])}${zone(m[6]!)}${bc ? ' BC' : ''}`;
  // Debezium writes zoned timestamps in UTC: the year decides, but for 4714 BC, whose first day is 11-24.
  if (year < -4713n || year > 294_276n || (year === -4713n && m[3]! < '-11-24')) throw new RangeError(`timestamp ${text} is outside 4714-11-24 BC to 294276-12-31, the days every warehouse holds`);
  return text;
}

/** io.debezium.time.ZonedTime ("13:45:30.5Z") as timetz text. */
export function zonedTimeText(iso: string): string {
  const m = ISO_ZONED_TIME.exec(iso);
  if (!m) throw new RangeError(`not an ISO-8601 zoned time: ${JSON.stringify(iso.slice(0, 40))}`);
  return `${m[1]}${isoFraction(m[2])}${zone(m[3]!)}`;
}

// interval.handling.mode string: Debezium's "P<y>Y<m>M<d>DT<h>H<min>M<s>S", every field present and
// signed on its own, as the JDBC driver read them from the server's text ("-1 days +02:00:00").
const ISO_INTERVAL = /^P(-?\d{1,10})Y(-?\d{1,10})M(-?\d{1,10})DT(-?\d{1,10})H(-?\d{1,10})M(-?)(\d{1,12})(?:\.(\d{1,9}))?S$/;
const MICROS_PER_HOUR = 3_600_000_000n;

/** One of year, mon, day as PostgreSQL's postgres IntervalStyle writes it: a "+" after a negative part, plural unless 1. */
function intervalPart(value: bigint, unit: string, state: { empty: boolean; afterNegative: boolean }): string {
  if (value === 0n) return '';
  const text = `${state.empty ? '' : ' '}${state.afterNegative && value > 0n ? '+' : ''}${value} ${unit}${value !== 1n ? 's' : ''}`;
  state.afterNegative = value < 0n;
  state.empty = false;
  return text;
}

/**
 * io.debezium.time.Interval (interval.handling.mode string) as PostgreSQL's interval text in the
 * default IntervalStyle, postgres ("1 year 2 mons -3 days +04:05:06.78"): months, days and
 * microseconds kept apart, as the interval holds them, and written as the server writes them.
 */
export function intervalText(iso: string): string {
  const m = ISO_INTERVAL.exec(iso);
  if (!m) throw new RangeError(`not an ISO-8601 interval of Debezium's form: ${JSON.stringify(iso.slice(0, 60))}`);
  const [years, mons, days, hours, mins] = m.slice(1, 6).map((x) => BigInt(x));
  // Debezium writes the driver's seconds, a double, to 9 places (6.000001 may come as 6.000000999):
  // the nearest microsecond is the interval's own.
  const fractionDigits = (m[8] ?? '').padEnd(7, '0');
  const secondMicros = BigInt(m[7]!) * 1_000_000n + BigInt(fractionDigits.slice(0, 6)) + (fractionDigits[6]! >= '5' ? 1n : 0n);
  const months = years! * 12n + mons!;
  const micros = (hours! * 60n + mins!) * 60_000_000n + (m[6] === '-' ? -secondMicros : secondMicros);
  const state = { empty: true, afterNegative: false };
  // C's division truncates toward zero, as BigInt's does: each part keeps the sign of its whole.
  let out = intervalPart(months / 12n, 'year', state) + intervalPart(months % 12n, 'mon', state) + intervalPart(days!, 'day', state);
  if (state.empty || micros !== 0n) {
    const abs = micros < 0n ? -micros : micros;
    const sign = micros < 0n ? '-' : state.afterNegative ? '+' : '';
    const secs = (abs % 60_000_000n) / 1_000_000n;
    out += `${state.empty ? '' : ' '}${sign}${pad(abs / MICROS_PER_HOUR, 2)}:${pad((abs / 60_000_000n) % 60n, 2)}:${pad(secs, 2)}${fraction(abs % 1_000_000n)}`;
  }
  return out;
}

/** Bytes (base64 in JSON) as bytea hex text. */
export function byteaText(b64: string): string {
  return `\\x${Buffer.from(b64, 'base64').toString('hex')}`;
}

const hstoreQuoted = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/**
 * An hstore as Debezium sends it (a JSON object, or its JSON text under hstore.handling.mode json)
 * as hstore prints it: keys ordered by byte length, then bytes; values quoted, NULL bare.
 */
export function hstoreText(pairs: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(pairs).map((k) => ({ k, b: Buffer.from(k, 'utf8') }));
  keys.sort((x, y) => x.b.length - y.b.length || Buffer.compare(x.b, y.b));
  return keys
    .map(({ k }) => {
      const v = pairs[k];
      if (v !== null && typeof v !== 'string') throw new TypeError(`expected an hstore value as a string or null, got ${typeof v}`);
      return `${hstoreQuoted(k)}=>${v === null ? 'NULL' : hstoreQuoted(v)}`;
    })
    .join(', ');
}

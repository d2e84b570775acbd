// Topic rows are staged for a PostgreSQL warehouse in binary COPY form, encoded by the worker
// (activities/sources/kafka/binary-values.ts). PostgreSQL's own text input is the oracle: every value is
// loaded both ways, as the CSV text the Redshift path stages and as the worker's binary field,
// into the real warehouse, and the two columns must read back identical. Edge cases and
// thousands of seeded random values per type. And what the fit check for numeric(p,s) takes is
// exactly what PostgreSQL holds unchanged in that type.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { columnText, Unfit, type TopicColumnType } from '../../activities/sources/kafka/column-values.js';
import { writeBinaryValue, writeEpochMillis } from '../../activities/sources/kafka/binary-values.js';
import { csvField } from '../../activities/sources/kafka/csv.js';
import { fitsNumeric } from '../../activities/sources/kafka/typed-values.js';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, BinaryTuples } from '../../activities/stage/binary-tuples.js';
import { connect, STACK } from './stack.js';

let client: pg.Client;
let seed = 20261128;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
const digitsOf = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join('');
const pad = (n: number, w: number) => String(n).padStart(w, '0');

function randomNumericText(): string {
  const intPart = digitsOf(int(0, 24));
  const frac = random() < 0.7 ? `.${digitsOf(int(0, 24))}` : '';
  const body = intPart === '' && (frac === '' || frac === '.') ? `${intPart}0${frac}` : `${intPart}${frac}`;
  const exponent = random() < 0.3 ? `${pick(['e', 'E'])}${pick(['', '+', '-'])}${int(0, 40)}` : '';
  return `${random() < 0.4 ? '-' : ''}${body}${exponent}`;
}

function randomTimestamp(): string {
  const year = random() < 0.2 ? int(1, 9999) : int(1900, 2100);
  const month = int(1, 12);
  const day = int(1, new Date(Date.UTC(2001, month, 0)).getUTCDate() + (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0));
  let s = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${pick(['T', 'T', ' '])}${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}`;
  if (random() < 0.9) {
    s += `:${pad(int(0, 59), 2)}`;
    if (random() < 0.6) s += `.${digitsOf(int(1, 6))}`;
  }
  const offset = `${pad(int(0, 14), 2)}`;
  return s + pick(['Z', '', `+${offset}:${pad(int(0, 59), 2)}`, `-${offset}:${pad(int(0, 59), 2)}`, `+${offset}${pad(int(0, 59), 2)}`, `-${offset}`]);
}

function randomDouble(): number {
  const b = Buffer.alloc(8);
  for (;;) {
    b.writeUInt32BE(int(0, 2 ** 32 - 1), 0);
    b.writeUInt32BE(int(0, 2 ** 32 - 1), 4);
    const d = b.readDoubleBE(0);
    if (Number.isFinite(d)) return d;
  }
}

const TEXTS = ['', ' ', 'plain', 'a,b', '"quoted"', 'line\nbreak', 'back\\slash', 'tab\there', 'héllo wörld', '日本語', '🙂 emoji', '\\N', 'NULL', 'x'.repeat(5000)];

/** JSON values for each type: edge cases first, then seeded random ones. */
const VALUES: Record<TopicColumnType, () => unknown[]> = {
  text: () => [...TEXTS, 12, 1.5, true, ...Array.from({ length: 2000 }, () => String.fromCodePoint(...Array.from({ length: int(0, 30) }, () => pick([int(32, 126), int(160, 0xd7ff), int(0x10000, 0x1ffff)]))))],
  integer: () => [0, -1, 1, 2147483647, -2147483648, '2147483647', '-2147483648', '0', '-0', '007', ...Array.from({ length: 2000 }, () => (random() < 0.5 ? int(-2147483648, 2147483647) : String(int(-2147483648, 2147483647))))],
  bigint: () => [
    0,
    -1,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    '9223372036854775807',
    '-9223372036854775808',
    '9007199254740993',
    '-0',
    ...Array.from({ length: 2000 }, () => (random() < 0.5 ? int(-(2 ** 52), 2 ** 52) : `${pick(['', '-'])}${int(1, 9)}${digitsOf(int(0, 18))}`)),
  ],
  numeric: () => [
    0,
    -0,
    1,
    -1.5,
    0.1,
    1e21,
    1.5e-7,
    123456789.123,
    '0',
    '-0',
    '-0.000',
    '.5',
    '7.',
    '-.5',
    '0.0001',
    '10000',
    '100000000',
    '99999999.99999999',
    '1e1000',
    '1e-1000',
    '-1.23E+5',
    '000123.4500',
    '1.0e-3',
    ...Array.from({ length: 3000 }, () => (random() < 0.8 ? randomNumericText() : (random() - 0.5) * 10 ** int(-10, 30))),
  ],
  double: () => [0, -0, 1, -1.5, 0.1, 5e-324, 1.7976931348623157e308, '-0', '.5', '7.', '1e-300', '2.2250738585072014e-308', '4.9e-324', ...Array.from({ length: 3000 }, () => (random() < 0.7 ? randomDouble() : randomNumericText()))],
  boolean: () => [true, false],
  smallint: () => [0, -1, 32767, -32768, '32767', '-32768', '-0', '007', ...Array.from({ length: 2000 }, () => (random() < 0.5 ? int(-32768, 32767) : String(int(-32768, 32767))))],
  // Offsets other than UTC are refused for a column without a zone; the rest reads as it is written.
  timestamp: () => ['2026-11-28T10:00:00Z', '2026-11-28 10:00', '2026-11-28T10:00:00.5+00:00', '0001-01-01T00:00:00', '9999-12-31T23:59:59.999999', 1764324000123, ...Array.from({ length: 3000 }, () => randomTimestamp())],
  time: () => ['00:00', '23:59:59.999999', '12:30:01', '07:00:00.5', '10:00:00.000001', ...Array.from({ length: 2000 }, () => randomTimestamp().slice(11, 11 + pick([5, 8, 10, 12, 15])))],
  bit: () => ['', '0', '1', '10100101', '111111111', ...Array.from({ length: 2000 }, () => Array.from({ length: int(0, 70) }, () => pick(['0', '1'])).join(''))],
  timestamptz: () => [
    '2026-11-28T10:00:00Z',
    '2026-11-28T10:00:00.123456Z',
    '2026-11-28T10:00:00.1+05:30',
    '2026-11-28 10:00',
    '2026-11-28T10:00Z',
    '2000-01-01T00:00:00Z',
    '1999-12-31T23:59:59.999999Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999Z',
    '2024-02-29T12:00:00-0800',
    '2026-06-01T00:00:00+14',
    0,
    -1,
    1764324000123,
    -62135596800000,
    253402300799999,
    ...Array.from({ length: 3000 }, () => (random() < 0.85 ? randomTimestamp() : int(-62135596800000, 253402300799999))),
  ],
  date: () => ['2000-01-01', '1999-12-31', '0001-01-01', '9999-12-31', '2024-02-29', '1900-03-01', ...Array.from({ length: 2000 }, () => randomTimestamp().slice(0, 10))],
  jsonb: () => [{}, [], 'str', 12, 1.5e300, -0, true, { a: { b: [1, 'x', null, { '日本': '🙂' }] } }, { 'k"q': 'v\\n\n' }, 2 ** 64, ...Array.from({ length: 1000 }, () => ({ id: int(0, 1e9), s: pick(TEXTS), n: randomDouble(), a: [random() < 0.5, null] }))],
};

/** The warehouse type each family is loaded as (bit as bit varying: bit(n) takes one length). */
const COLUMN_TYPE: Record<TopicColumnType, string> = {
  text: 'text', smallint: 'smallint', integer: 'integer', bigint: 'bigint', numeric: 'numeric', double: 'double precision', boolean: 'boolean',
  timestamptz: 'timestamp with time zone', timestamp: 'timestamp without time zone', time: 'time without time zone', date: 'date', jsonb: 'jsonb', bit: 'bit varying',
};

/** Loads the texts into a fresh table (n, v) by CSV and by binary, and returns both columns as text. */
async function bothWays(type: string, texts: (string | null)[], binary: (w: BinaryTuples, text: string | null, i: number) => void): Promise<{ csv: (string | null)[]; bin: (string | null)[] }> {
  await client.query(`CREATE TEMP TABLE via_csv (n integer, v ${type}); CREATE TEMP TABLE via_binary (n integer, v ${type})`);
  try {
    const csv = texts.map((t, i) => `${i},${csvField(t)}\n`).join('');
    await pipeline(Readable.from([Buffer.from(csv)]), client.query(copyFrom('COPY via_csv FROM STDIN WITH (FORMAT csv)')));
    const w = new BinaryTuples(1024);
    texts.forEach((t, i) => {
      w.tuple(2);
      w.int32(i);
      binary(w, t, i);
    });
    await pipeline(Readable.from([BINARY_COPY_HEADER, w.bytes(), BINARY_COPY_TRAILER]), client.query(copyFrom('COPY via_binary FROM STDIN WITH (FORMAT binary)')));
    const read = async (table: string) => (await client.query<{ v: string | null }>(`SELECT v::text AS v FROM ${table} ORDER BY n`)).rows.map((r) => r.v);
    return { csv: await read('via_csv'), bin: await read('via_binary') };
  } finally {
    await client.query('DROP TABLE via_csv; DROP TABLE via_binary');
  }
}

beforeAll(async () => {
  client = await connect(STACK.warehouse);
});

afterAll(async () => {
  await client?.end();
});

describe('binary topic values read back as PostgreSQL reads their text', () => {
  for (const type of Object.keys(VALUES) as TopicColumnType[]) {
    it(type, async () => {
      const texts: (string | null)[] = [null];
      for (const v of VALUES[type]()) {
        const t = columnText(v, type);
        if (!(t instanceof Unfit)) texts.push(t);
      }
      expect(texts.length).toBeGreaterThan(type === 'boolean' ? 2 : 20);
      const { csv, bin } = await bothWays(COLUMN_TYPE[type], texts, (w, t) => writeBinaryValue(w, t, type));
      expect(csv.length).toBe(texts.length);
      const differ = texts.map((t, i) => ({ t, csv: csv[i], bin: bin[i] })).filter((d) => d.csv !== d.bin);
      expect(differ.slice(0, 5)).toEqual([]);
    });
  }

  it('a whole raw message kept as jsonb', async () => {
    const texts = ['{"a":1}', ' { "b" : [1, 2.50, "x"] } ', '{"u":"\\u00e9\\ud83d\\ude42"}', '{"n":1e400}'.replace('1e400', '1.0E+2')];
    const { csv, bin } = await bothWays('jsonb', texts, (w, t) => writeBinaryValue(w, t, 'raw'));
    expect(bin).toEqual(csv);
  });

  it('Kafka timestamps (epoch milliseconds)', async () => {
    const ms = [0, 1, 999, -1, -1001, 1764324000123, ...Array.from({ length: 2000 }, () => int(0, 4e12))];
    const { csv, bin } = await bothWays('timestamptz', ms.map((m) => new Date(m).toISOString()), (w, _t, i) => writeEpochMillis(w, ms[i]!));
    expect(bin).toEqual(csv);
  });
});

it('takes a number into numeric(p,s) exactly when PostgreSQL holds it unchanged (random values and types)', async () => {
  const cases = Array.from({ length: 3000 }, () => {
    const whole = digitsOf(int(0, 8));
    const fraction = random() < 0.7 ? `.${digitsOf(int(0, 8))}` : '';
    const exponent = random() < 0.2 ? `e${int(-6, 6)}` : '';
    const p = int(1, 12);
    return { text: `${random() < 0.3 ? '-' : ''}${whole || '0'}${fraction}${exponent}`, p, s: int(-3, p + 2) };
  });
  // The oracle: the value cast to numeric(p,s) is still the same value, and no overflow is raised.
  await client.query(`CREATE FUNCTION pg_temp.holds(t text, p int, s int) RETURNS boolean LANGUAGE plpgsql AS $f$
    DECLARE same boolean;
    BEGIN
      EXECUTE format('SELECT $1::numeric = $1::numeric(%s,%s)', p, s) USING t INTO same;
      RETURN same;
    EXCEPTION WHEN numeric_value_out_of_range THEN RETURN false;
    END $f$`);
  const res = await client.query<{ holds: boolean }>('SELECT pg_temp.holds(t, p, s) AS holds FROM unnest($1::text[], $2::int[], $3::int[]) WITH ORDINALITY AS c(t, p, s, n) ORDER BY n', [
    cases.map((c) => c.text),
    cases.map((c) => c.p),
    cases.map((c) => c.s),
  ]);
  const differ = cases.filter((c, i) => fitsNumeric(c.text, c.p, c.s) !== res.rows[i]!.holds);
  expect(differ.slice(0, 5)).toEqual([]);
  expect(res.rows.filter((r) => r.holds).length).toBeGreaterThan(300);
  expect(res.rows.filter((r) => !r.holds).length).toBeGreaterThan(300);
}, 120_000);

// The fast paths of topic mapping (ISO timestamps and plain decimals without a regex, safe integers
// without a bigint, one fatal UTF-8 pass, CSV lines gathered as bytes) must give exactly what the
// general paths give: the same text, or the same reason. Each is checked against a reference
// written the general way, on edge cases and on many mutations of the common forms.
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { convert, type Converted } from '../../activities/sources/kafka/column-values.js';
import { CsvBytes, csvField, csvFields, csvLine } from '../../activities/sources/kafka/csv.js';
import { compileMapping, mapMessage } from '../../activities/sources/kafka/map-message.js';
import { validateConfig } from '../../config/load.js';
import type { TopicPipelineConfig } from '../../config/schema.js';

// ---- references: the general way (a regex per value, dates checked by Date) ----
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const NUMERIC_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const describeString = (v: string) => `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const validDate = (y: string, m: string, d: string) => Number(y) >= 1 && Number(m) >= 1 && Number(m) <= 12 && Number(d) >= 1 && Number(d) <= daysIn(Number(y), Number(m));

function referenceTimestamp(v: string): Converted {
  const m = TIMESTAMP.exec(v);
  if (!m) return { ok: false, why: `expected an ISO-8601 timestamp, got ${JSON.stringify(v.slice(0, 40))}` };
  const [, y, mo, d, h, mi, s] = m;
  if (!validDate(y!, mo!, d!) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return { ok: false, why: `expected a valid timestamp, got ${JSON.stringify(v)}` };
  return { ok: true, text: m[8] ? v : `${v}Z` };
}

function referenceNumber(v: string, type: 'numeric' | 'double'): Converted {
  if (!NUMERIC_TEXT.test(v)) return { ok: false, why: `expected a number, got ${describeString(v)}` };
  if (Math.abs(Number(/e([-+]?\d+)$/i.exec(v)?.[1] ?? 0)) > 1000) return { ok: false, why: `expected a number, got ${JSON.stringify(v)}, out of range` };
  const n = Number(v);
  if (type === 'double' && (!Number.isFinite(n) || (n === 0 && /[1-9]/.test(v.replace(/e.*$/i, ''))))) return { ok: false, why: `expected a double, got ${JSON.stringify(v)}, out of range` };
  return { ok: true, text: v };
}

function referenceInteger(v: number, type: 'integer' | 'bigint'): Converted {
  const [lo, hi, what] = type === 'integer' ? [-2147483648n, 2147483647n, 'an integer'] : [-9223372036854775808n, 9223372036854775807n, 'a bigint'];
  if (!Number.isInteger(v)) return { ok: false, why: `expected ${what}, got ${v}` };
  if (!Number.isSafeInteger(v)) return { ok: false, why: `expected ${what}, got ${v}, beyond the exact range of a JSON number (send it as a string)` };
  const n = BigInt(v);
  return n < lo || n > hi ? { ok: false, why: `expected ${what}, got ${n}, out of range` } : { ok: true, text: n.toString() };
}

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each string with one, two or three characters replaced, inserted or removed. */
function mutations(bases: string[], alphabet: string, count: number, seed: number): string[] {
  const rnd = random(seed);
  const pick = (s: string) => s[Math.floor(rnd() * s.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = bases[i % bases.length]!;
    for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
      const at = Math.floor(rnd() * (s.length + 1));
      const op = rnd();
      if (op < 0.6) s = s.slice(0, at) + pick(alphabet) + s.slice(at + 1);
      else if (op < 0.8) s = s.slice(0, at) + pick(alphabet) + s.slice(at);
      else s = s.slice(0, at) + s.slice(at + 1);
    }
    out.push(s);
  }
  return out;
}

describe('timestamp fast path', () => {
  const edges = [
    '2026-01-31T10:00:00Z',
    '2026-01-31T10:00:00.123Z',
    '2026-01-31T10:00:00.1Z',
    '2026-01-31T10:00:00.123456Z',
    '2026-01-31T10:00:00.1234567Z',
    '2026-01-31T10:00:00.Z',
    '2026-01-31T10:00:00+05:30',
    '2026-01-31T10:00:00.5-03:00',
    '2026-01-31T10:00:00-00:00',
    '2026-01-31T10:00:00+99:99',
    '2026-01-31T10:00:00+05',
    '2026-01-31T10:00:00+0530',
    '2026-01-31T10:00:00+5:30',
    '2026-01-31T10:00:00',
    '2026-01-31 10:00:00Z',
    '2026-01-31T10:00Z',
    '2026-01-31t10:00:00z',
    '2026-01-31T10:00:00z',
    '2024-02-29T12:00:00Z',
    '2023-02-29T12:00:00Z',
    '2000-02-29T12:00:00Z',
    '1900-02-29T12:00:00Z',
    '0004-02-29T00:00:00Z',
    '0100-02-29T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999Z',
    '2026-12-31T23:59:60Z',
    '2026-06-30T23:59:60+00:00',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:60:00Z',
    '2026-00-10T00:00:00Z',
    '2026-13-10T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-04-00T00:00:00Z',
    '2026-01-31T10:00:00Z ',
    ' 2026-01-31T10:00:00Z',
    '2026-01-31T10:00:00Z\n',
    '２026-01-31T10:00:00Z',
    '2026-01-31T10:00:0٠Z',
    '2026-1-31T10:00:00Z',
    '',
  ];

  it('gives what the pattern and the range checks give, on edge cases', () => {
    for (const v of edges) expect([v, convert(v, 'timestamptz')]).toEqual([v, referenceTimestamp(v)]);
  });

  it('gives what the pattern and the range checks give, on mutations of the common forms', () => {
    const cases = mutations(['2024-02-29T23:59:59.123456+05:30', '2026-12-31T00:00:00Z', '1999-09-09T09:09:09.9-09:00'], '0123456789:-+.TZ Ox9', 20_000, 7);
    let accepted = 0;
    for (const v of cases) {
      const got = convert(v, 'timestamptz');
      if (got.ok) accepted++;
      expect([v, got]).toEqual([v, referenceTimestamp(v)]);
    }
    // The mutations reach both verdicts, so the comparison says something about each.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(cases.length - 1000);
  });
});

describe('plain decimal fast path', () => {
  const edges = [
    '0', '-0', '12.5', '-12.5', '5.', '.5', '-.5', '-5.', '.', '-', '-.', '', '007', '1.2.3', '--1', '+1', ' 1', '1 ', '1,5',
    '1e5', '1E-5', '1.5e+3', '1e1001', '1e-1001', '1e400', '1e-400', '١٢', '１', '0x10', 'NaN', 'Infinity',
    '9'.repeat(300), '9'.repeat(301), '9'.repeat(400), `0.${'0'.repeat(297)}1`, `0.${'0'.repeat(400)}1`, `-${'1'.repeat(299)}`, `${'1'.repeat(299)}.`,
  ];

  it('gives what the pattern and the range checks give, for numeric and double', () => {
    for (const type of ['numeric', 'double'] as const) {
      for (const v of edges) expect([type, v, convert(v, type)]).toEqual([type, v, referenceNumber(v, type)]);
      for (const v of mutations(['-123.456', '0.5', '42', '.75'], '0123456789.-+eE x', 5_000, 11)) {
        expect([type, v, convert(v, type)]).toEqual([type, v, referenceNumber(v, type)]);
      }
    }
  });
});

describe('safe integer fast path', () => {
  it('gives what the bigint check gives, text and reason', () => {
    const edges = [0, -0, 1, -1, 2147483647, 2147483648, -2147483648, -2147483649, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, -(2 ** 53), 2 ** 63, 1e21, 1.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY];
    for (const type of ['integer', 'bigint'] as const) {
      for (const v of edges) expect([type, v, convert(v, type)]).toEqual([type, v, referenceInteger(v, type)]);
    }
    expect(convert(-0, 'bigint')).toEqual({ ok: true, text: '0' });
  });
});

describe('decoding the value in one pass', () => {
  const config = validateConfig('test', {
    sources: { events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] }] } },
    warehouse: { type: 'postgres', secret: 'w' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    pipelines: [{ name: 'p', kind: 'topic', source: 'events', topic: 't', target: 'a.t', columns: [{ name: 's', path: 's', type: 'text' }], options: { keepRawAs: 'raw' } }],
  });
  const mapping = compileMapping(config.pipelines[0] as TopicPipelineConfig);
  const reason = (b: Buffer) => {
    const m = mapMessage(b, mapping);
    return m.ok ? 'ok' : m.reason;
  };
  const json = (s: string) => Buffer.concat([Buffer.from('{"s":"'), Buffer.from(s), Buffer.from('"}')]);

  it('refuses exactly the values that are not UTF-8, and keeps the text of the others', () => {
    const cases = [
      Buffer.from('{"s":"plain"}'),
      json('é € 𝄞'),
      Buffer.from([0x7b, 0xff, 0x7d]),
      Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]), // an overlong NUL
      Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // an encoded surrogate
      Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xf4, 0x8f, 0xbf, 0xbf, 0x22, 0x7d]), // U+10FFFF
      Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xf4, 0x90, 0x80, 0x80, 0x22, 0x7d]), // beyond U+10FFFF
      Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]), // a truncated sequence
    ];
    const rnd = random(3);
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(`{"s":"${'x'.repeat(i % 7)}€"}`);
      b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      cases.push(b);
    }
    for (const b of cases) {
      const got = reason(b);
      if (!isUtf8(b)) expect([b.toString('hex'), got]).toEqual([b.toString('hex'), 'not-utf8']);
      else expect([b.toString('hex'), got]).not.toEqual([b.toString('hex'), 'not-utf8']);
    }
    const text = '{"s":"é € 𝄞"}';
    expect(mapMessage(Buffer.from(text), mapping)).toEqual({ ok: true, values: ['é € 𝄞', text] });
  });

  it('keeps a byte order mark, which JSON does not allow, as before', () => {
    expect(reason(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"s":"a"}')]))).toBe('not-json');
  });
});

describe('CSV lines', () => {
  const oldLine = (fields: (string | null)[]) => `${fields.map(csvField).join(',')}\n`;

  it('csvFields and csvLine write what one field at a time joined by commas writes', () => {
    const rnd = random(5);
    const pieces = ['a', '', ',', '"', '\n', '\r', '\\', 'é', '𝄞', ' ', 'x"y'];
    for (let i = 0; i < 2000; i++) {
      const fields = Array.from({ length: Math.floor(rnd() * 5) }, () => (rnd() < 0.15 ? null : Array.from({ length: Math.floor(rnd() * 4) }, () => pieces[Math.floor(rnd() * pieces.length)]).join('')));
      expect(csvLine(fields)).toBe(oldLine(fields));
      expect(`${csvFields(fields)}\n`).toBe(oldLine(fields));
    }
  });

  it('CsvBytes holds the UTF-8 bytes of the lines added, growing past its first size', () => {
    const lines = Array.from({ length: 500 }, (_, i) => csvLine([String(i), i % 3 ? 'é€𝄞' : 'plain', i % 5 ? null : 'say "hi"']));
    const bytes = new CsvBytes(10);
    for (const l of lines) bytes.add(l);
    expect(bytes.bytes().equals(Buffer.from(lines.join('')))).toBe(true);
    expect(new CsvBytes(100).bytes().length).toBe(0);
  });
});

// JSON message -> row mapping and dead-letter classification: every value that is staged must
// load into its warehouse column, and every message that cannot is named with its reason.
import { describe, expect, it } from 'vitest';
import { convert, type TopicColumnType } from '../../activities/sources/kafka/column-values.js';
import { csvLine } from '../../activities/sources/kafka/csv.js';
import { parsePath, valueAt } from '../../activities/sources/kafka/json-path.js';
import { compileMapping, mapMessage, type TopicMapping } from '../../activities/sources/kafka/map-message.js';
import { validateConfig } from '../../config/load.js';
import type { TopicPipelineConfig } from '../../config/schema.js';

function pipeline(extra: Record<string, unknown> = {}): TopicPipelineConfig {
  const cfg = validateConfig('test', {
    sources: { events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] }] } },
    warehouse: { type: 'postgres', secret: 'w' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    pipelines: [
      {
        name: 'clicks',
        kind: 'topic',
        source: 'events',
        topic: 'clicks',
        target: 'analytics.clicks',
        key: ['id'],
        columns: [
          { name: 'id', path: 'id', type: 'bigint' },
          { name: 'user_name', path: '$.user.name', type: 'text', required: true },
          { name: 'first_tag', path: 'tags[0]', type: 'text' },
          { name: 'at', path: 'at', type: 'timestamptz' },
        ],
        options: { keepRawAs: 'raw', maxMessageBytes: 200 },
        ...extra,
      },
    ],
  });
  return cfg.pipelines[0] as TopicPipelineConfig;
}

const mapping: TopicMapping = compileMapping(pipeline());
const map = (v: unknown) => mapMessage(typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v)), mapping);

describe('json paths', () => {
  it('walks objects and arrays, and treats anything missing on the way as missing', () => {
    const doc = { a: { b: [{ c: 1 }, { c: 2 }] }, 'x-y': 3 };
    expect(valueAt(doc, parsePath('a.b[1].c'))).toBe(2);
    expect(valueAt(doc, parsePath('$.x-y'))).toBe(3);
    expect(valueAt(doc, parsePath('a.b[5].c'))).toBeUndefined();
    expect(valueAt(doc, parsePath('a.b.c'))).toBeUndefined();
    expect(valueAt(doc, parsePath('a.toString'))).toBeUndefined();
    expect(() => parsePath('a..b')).toThrow(/not a field path/);
  });
});

describe('mapMessage', () => {
  it('maps fields by path, keeps the raw message, and leaves absent optional fields NULL', () => {
    const msg = { id: 7, user: { name: 'ann' }, tags: ['x', 'y'], at: '2026-01-01T10:00:00.123456+02:00' };
    expect(map(msg)).toEqual({ ok: true, values: ['7', 'ann', 'x', '2026-01-01T10:00:00.123456+02:00', JSON.stringify(msg)] });
    expect(map({ id: '9007199254740993', user: { name: 'bo' } })).toEqual({ ok: true, values: ['9007199254740993', 'bo', null, null, expect.any(String)] });
  });

  it('dead-letters each kind of poison with its reason and the field', () => {
    const reason = (v: unknown) => {
      const m = map(v);
      return m.ok ? 'ok' : `${m.reason}${m.field ? `:${m.field}` : ''}`;
    };
    expect(reason('{"id": 1,')).toBe('not-json');
    expect(reason(Buffer.from([0x7b, 0xff, 0x7d]))).toBe('not-utf8');
    expect(reason('[1, 2]')).toBe('not-object');
    expect(reason('"text"')).toBe('not-object');
    expect(mapMessage(null, mapping)).toMatchObject({ ok: false, reason: 'empty' });
    expect(reason({ id: 1, user: { name: 'x'.repeat(300) } })).toBe('oversized');
    expect(reason({ id: 1 })).toBe('missing-field:user_name');
    expect(reason({ id: 1, user: { name: null } })).toBe('missing-field:user_name');
    // The key column is required even though the config does not say so.
    expect(reason({ user: { name: 'a' } })).toBe('missing-field:id');
    expect(reason({ id: 'seven', user: { name: 'a' } })).toBe('wrong-type:id');
    expect(reason({ id: 1.5, user: { name: 'a' } })).toBe('wrong-type:id');
    // Beyond 2^53 a JSON number is read exactly (see below), so a bigint key of 2^60 loads; 2^63 does not fit.
    expect(reason({ id: 2 ** 60, user: { name: 'a' } })).toBe('ok');
    expect(map('{"id": 9223372036854775808, "user": {"name": "a"}}')).toMatchObject({ ok: false, reason: 'wrong-type', field: 'id' });
    expect(reason({ id: 1, user: { name: { first: 'a' } } })).toBe('wrong-type:user_name');
    expect(reason({ id: 1, user: { name: 'a\u0000b' } })).toBe('wrong-type:user_name');
    expect(reason({ id: 1, user: { name: 'a' }, at: 'yesterday' })).toBe('wrong-type:at');
    // Kept as jsonb, the whole message must be valid jsonb too.
    expect(reason('{"id": 1, "user": {"name": "a"}, "note": "\\ud800"}')).toBe('wrong-type');
    expect(reason('{"id": 1, "user": {"name": "a"}, "big": 1e999}')).toBe('wrong-type');
  });

  it('names the field path in the detail', () => {
    const bad = map({ id: 1, user: { name: 'a' }, at: '2026-02-30' });
    expect(bad.ok ? '' : bad.detail).toContain('field "at"');
    expect(map({ id: 1 })).toMatchObject({ ok: false, detail: 'required field "$.user.name" is missing' });
  });
});

describe('column values', () => {
  const ok = (v: unknown, t: TopicColumnType) => {
    const c = convert(v, t);
    return c.ok ? c.text : `!${c.why}`;
  };

  it('accepts what the warehouse column takes, as text it parses exactly', () => {
    expect(ok('9223372036854775807', 'bigint')).toBe('9223372036854775807');
    expect(ok(-2147483648, 'integer')).toBe('-2147483648');
    expect(ok('12.3400', 'numeric')).toBe('12.3400');
    expect(ok(0.1, 'double')).toBe('0.1');
    expect(ok(true, 'boolean')).toBe('true');
    expect(ok(42, 'text')).toBe('42');
    expect(ok('2026-01-31', 'date')).toBe('2026-01-31');
    expect(ok('2024-02-29 23:59:59', 'timestamptz')).toBe('2024-02-29 23:59:59Z');
    expect(ok(1767225600000, 'timestamptz')).toBe('2026-01-01T00:00:00.000Z');
    expect(ok({ a: [1, null] }, 'jsonb')).toBe('{"a":[1,null]}');
  });

  it('refuses what the warehouse would refuse, so one message never fails a whole batch', () => {
    expect(ok('9223372036854775808', 'bigint')).toMatch(/^!.*out of range/);
    expect(ok(2147483648, 'integer')).toMatch(/^!.*out of range/);
    expect(ok('1e99999', 'numeric')).toMatch(/^!.*out of range/);
    expect(ok('1e400', 'double')).toMatch(/^!.*out of range/);
    expect(ok('1e-400', 'double')).toMatch(/^!.*out of range/);
    expect(ok('12,5', 'numeric')).toMatch(/^!expected a number/);
    expect(ok('true', 'boolean')).toMatch(/^!expected true or false/);
    expect(ok('2026-02-29', 'date')).toMatch(/^!expected a date/);
    expect(ok('2026-13-01T00:00:00Z', 'timestamptz')).toMatch(/^!expected a valid timestamp/);
    expect(ok('2026-01-01T24:00:00Z', 'timestamptz')).toMatch(/^!expected a valid timestamp/);
    expect(ok('0000-01-01', 'date')).toMatch(/^!expected a date/);
    expect(ok({ k: 'a\u0000' }, 'jsonb')).toMatch(/^!contains a NUL/);
    expect(ok('\udc00', 'text')).toMatch(/^!contains an unpaired/);
  });
});

describe('csv lines for COPY', () => {
  it('writes NULL unquoted and quotes anything that could be misread', () => {
    expect(csvLine(['a', null, '', 'x,y', 'say "hi"', 'two\nlines', '\\.'])).toBe('a,,"","x,y","say ""hi""","two\nlines","\\."\n');
  });
});

describe('topic pipeline config', () => {
  it('refuses mappings that could not load, naming the path', () => {
    expect(() => pipeline({ key: ['nope'] })).toThrow(/pipelines\[0\]\.key\[0\].*expected a key column among the mapped columns/);
    expect(() => pipeline({ columns: [{ name: 'kafka_offset', path: 'o', type: 'bigint' }], key: undefined })).toThrow(/other than the metadata columns/);
    expect(() => pipeline({ columns: [{ name: 'a', path: 'x', type: 'text' }, { name: 'a', path: 'y', type: 'text' }], key: undefined })).toThrow(/"a" is mapped twice/);
    expect(() => pipeline({ columns: [{ name: 'a', path: 'x..y', type: 'text' }], key: undefined })).toThrow(/expected a JSON field path/);
    expect(() => pipeline({ columns: [{ name: 'a', path: 'x', type: 'text' }], key: undefined, options: { keepRawAs: 'a' } })).toThrow(/keepRawAs.*not otherwise used/);
  });
});

describe('deeply nested JSON', () => {
  const nested = (depth: number) => `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;
  const deepMapping = compileMapping(pipeline({ options: { keepRawAs: 'raw', maxMessageBytes: 1_000_000 } }));
  const message = (inner: string) => Buffer.from(`{"id": 1, "user": {"name": "n"}, "deep": ${inner}}`);

  it('is a dead letter that says so, not an overflow of the stack (3,400 levels, about 20 KB)', () => {
    const r = mapMessage(message(nested(3_400)), deepMapping);
    expect(r).toMatchObject({ ok: false, reason: 'wrong-type' });
    expect((r as { detail: string }).detail).toContain('nested more than 1000 levels deep');
    expect(convert(JSON.parse(nested(3_400)), 'jsonb')).toMatchObject({ why: 'is nested more than 1000 levels deep' });
  });

  it('loads as jsonb up to the limit', () => {
    expect(mapMessage(message(nested(400)), deepMapping)).toMatchObject({ ok: true });
  });
});

describe('JSON numbers a double cannot hold', () => {
  const exact = compileMapping(
    pipeline({
      key: ['id'],
      columns: [
        { name: 'id', path: 'id', type: 'bigint' },
        { name: 'n', path: 'n', type: 'numeric' },
        { name: 't', path: 't', type: 'text' },
        { name: 'j', path: 'j', type: 'jsonb' },
        { name: 'small', path: 'small', type: 'numeric' },
      ],
      options: { keepRawAs: 'raw', maxMessageBytes: 10_000 },
    }),
  );
  const raw = '{"id": 9223372036854775807, "n": 123456789.123456789, "t": 12345678901234567891, "j": {"x": [1.00000000000000001, 2.5]}, "small": 0.1}';

  it('keep every digit in bigint, numeric, text and jsonb columns, and in the raw message', () => {
    const r = mapMessage(Buffer.from(raw), exact);
    expect(r).toEqual({ ok: true, values: ['9223372036854775807', '123456789.123456789', '12345678901234567891', '{"x":[1.00000000000000001,2.5]}', '0.1', raw] });
  });

  it('still refuse a bigint out of range, and load a numeric beyond a double', () => {
    expect(mapMessage(Buffer.from('{"id": 9223372036854775808, "n": 1}'), exact)).toMatchObject({ ok: false, reason: 'wrong-type', field: 'id' });
    expect(mapMessage(Buffer.from('{"id": 1, "n": 1234567890123456789e400}'), exact)).toMatchObject({ ok: true, values: ['1', '1234567890123456789e400', null, null, null, expect.any(String)] });
  });
});

// Decoding real Debezium records (test/fixtures/debezium, captured from the connector on the
// local stack) with and without embedded schemas, for the decimal and time settings we document:
// every decoded value must equal what PostgreSQL itself printed for that row.
import { describe, expect, it } from 'vitest';
import { DebeziumDecodeError, decodeRecord, type ChangeEvent, type DecodedRecord, type KafkaRecord } from '../../activities/sources/debezium/decode.js';
import { declaredCdcColumn, warehouseType } from '../../activities/sources/debezium/cdc-columns.js';
import { FIXTURES, asCarried, decodeOptionsFor, loadFixture, type Fixture } from '../fixtures/debezium/load.js';

function decodeAll(f: Fixture): DecodedRecord[] {
  const options = f.settings.schemas ? {} : decodeOptionsFor(f);
  return f.records.map((r) => decodeRecord(r, options));
}

const changes = (ds: DecodedRecord[]) => ds.filter((d): d is ChangeEvent => d.kind === 'change');

describe.each(FIXTURES)('fixture %s', (name) => {
  const f = loadFixture(name);
  const decoded = decodeAll(f);
  const initial = new Map(f.pgText.initial.map((r) => [r.id, asCarried(f, r)]));

  it('decodes every record: 11 changes and 2 tombstones', () => {
    expect(changes(decoded).map((e) => e.op).sort()).toEqual(['c', 'c', 'd', 'd', 'r', 'r', 'u', 'u', 'u', 'u', 'u']);
    expect(decoded.filter((d) => d.kind === 'tombstone').map((d) => (d.kind === 'tombstone' ? d.key : null))).toEqual(
      expect.arrayContaining([{ id: '2' }, { id: '1' }]),
    );
  });

  it('gives snapshot rows equal to what PostgreSQL prints, types and edge values included', () => {
    const snapshot = changes(decoded).filter((e) => e.op === 'r');
    expect(snapshot).toHaveLength(2);
    for (const e of snapshot) {
      expect(e.snapshot).toBe(true);
      expect(e.before).toBeNull();
      expect(e.unavailable.size).toBe(0);
      expect(e.after).toEqual(initial.get(e.key.id));
    }
  });

  it('gives streamed inserts and updates the values PostgreSQL holds, and the LSN, txId and commit time', () => {
    const insert = changes(decoded).find((e) => e.op === 'c' && e.key.id === '3')!;
    expect(insert.snapshot).toBe(false);
    // 0001-01-01, 24:00:00 and a MicroTimestamp past 2^53 µs (2262) all come through exactly.
    expect(insert.after).toMatchObject({ day: '0001-01-01', at_time: '24:00:00', amount: '0.000', price: '0.5', updated_at: '2038-01-19 03:14:08+00' });
    expect(insert.after!.created_at).toBe(f.settings.timePrecisionMode === 'connect' ? '2262-04-11 23:47:16.854' : '2262-04-11 23:47:16.854775');
    expect(typeof insert.lsn).toBe('bigint');
    expect(typeof insert.txId).toBe('bigint');
    expect(insert.sourceTsMs).toBeGreaterThan(Date.UTC(2020, 0, 1));
    const final3 = asCarried(f, f.pgText.final.find((r) => r.id === '3')!);
    const lastOf3 = changes(decoded).filter((e) => e.key.id === '3').at(-1)!;
    expect(lastOf3.after).toEqual(final3);
  });

  it('reports an unchanged TOASTed value as unavailable and leaves it out of the row', () => {
    const [first, second] = changes(decoded).filter((e) => e.op === 'u' && e.key.id === '3');
    expect([...first!.unavailable]).toEqual(['big']);
    expect(first!.after).not.toHaveProperty('big');
    expect(first!.after).toMatchObject({ name: 'gamma-2', amount: '99.999' });
    expect(second!.unavailable.size).toBe(0);
    expect(second!.after!.big).toMatch(/^three-b:/);
    // Three updates of key 1 in one transaction: same txId, rising LSNs, big unavailable each time.
    const tx = changes(decoded).filter((e) => e.op === 'u' && e.key.id === '1');
    expect(tx.map((e) => e.after!.qty)).toEqual(['1', '2', '3']);
    expect(new Set(tx.map((e) => e.txId)).size).toBe(1);
    expect(tx[0]!.lsn < tx[1]!.lsn && tx[1]!.lsn < tx[2]!.lsn).toBe(true);
    expect(tx.every((e) => e.unavailable.has('big'))).toBe(true);
  });

  it('decodes a primary-key change as a delete of the old key and a create of the new one', () => {
    const del = changes(decoded).find((e) => e.op === 'd' && e.key.id === '1')!;
    const create = changes(decoded).find((e) => e.op === 'c' && e.key.id === '10')!;
    expect(del.after).toBeNull();
    expect(del.before!.id).toBe('1');
    expect(create.oldKey).toEqual({ id: '1' });
    expect(create.lsn).toBe(del.lsn);
    // The new row's TOASTed value was not sent either: only the old key's row has it.
    expect([...create.unavailable]).toEqual(['big']);
  });

  it('detects tombstones: the same key as the delete before them, no value', () => {
    for (const [i, d] of decoded.entries()) {
      if (d.kind !== 'tombstone') continue;
      const prev = decoded.slice(0, i).filter((p) => p.kind === 'change' && p.partition === d.partition).at(-1);
      expect(prev).toMatchObject({ op: 'd', key: d.key });
    }
  });

  it('declares the row columns from the embedded schema, or none without one', () => {
    const e = changes(decoded)[0]!;
    if (f.settings.schemas) {
      expect(e.fields!.map((x) => x.name)).toEqual(f.columns.map((c) => c.name));
      expect(e.fields!.find((x) => x.name === 'updated_at')!.semantic).toBe('io.debezium.time.ZonedTimestamp');
    } else {
      expect(e.fields).toBeNull();
    }
  });
});

describe('decodeRecord errors', () => {
  const plain = loadFixture('plain-precise-micros');
  const withSchema = loadFixture('schemas-precise-micros');
  const first = plain.records.find((r) => r.value !== null)!;

  it('refuses a schemaless message whose column types are unknown, naming the column and the record', () => {
    const columns = decodeOptionsFor(plain).columns;
    delete columns.day;
    const err = (() => {
      try {
        decodeRecord(first, { settings: decodeOptionsFor(plain).settings, columns });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DebeziumDecodeError);
    expect((err as Error).message).toMatch(/^[\w.]+\[\d+\]@\d+ column "day": .*not known/);
  });

  it('reads a schemaless precise decimal with the scale of its column type only', () => {
    const e = decodeRecord(first, decodeOptionsFor(plain));
    expect(e.kind === 'change' && e.after!.amount).toMatch(/^-?\d+\.\d{3}$/);
  });

  it('refuses what is not a Debezium change event, without echoing the payload', () => {
    const base: KafkaRecord = { topic: 't', partition: 0, offset: '7', key: '{"id":1}', value: null };
    const options = { columns: { id: 'bigint' } };
    expect(() => decodeRecord({ ...base, value: 'not json: secret-ish' }, options)).toThrow(/^t\[0\]@7: the value is not JSON/);
    expect(() => decodeRecord({ ...base, value: '{"ts_ms": 1}' }, options)).toThrow(/not a Debezium change event/);
    expect(() => decodeRecord(base)).toThrow(/column "id": .*not known/);
    try {
      decodeRecord({ ...base, value: 'not json: secret-ish' }, options);
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-ish');
    }
    const create = withSchema.records.find((r) => r.value?.includes('"op":"c"'))!;
    expect(() => decodeRecord({ ...create, key: null })).toThrow(/without a key/);
  });

  it('refuses a nameless field of an embedded schema and a declared decimal scale beyond numeric, naming them', () => {
    const row = (fields: object[]) => ({ type: 'struct', optional: true, fields });
    const message = (fields: object[], after: object) =>
      JSON.stringify({
        schema: { type: 'struct', fields: [{ ...row(fields), field: 'before' }, { ...row(fields), field: 'after' }, { type: 'struct', field: 'source', fields: [] }, { type: 'string', field: 'op' }] },
        payload: { before: null, after, source: { lsn: 5, schema: 'public', table: 't', ts_ms: 1 }, op: 'c', ts_ms: 1 },
      });
    const base: KafkaRecord = { topic: 't', partition: 0, offset: '9', key: '{"id":1}', value: null };
    const options = { columns: { id: 'bigint' } };
    const nameless = message([{ type: 'int64', field: 'id' }, { type: 'string' }], { id: 1 });
    expect(() => decodeRecord({ ...base, value: nameless }, options)).toThrow(/^t\[0\]@9: a field of the embedded schema has no name$/);
    const variable = { type: 'struct', name: 'io.debezium.data.VariableScaleDecimal', field: 'amount', fields: [] };
    const huge = message([{ type: 'int64', field: 'id' }, variable], { id: 1, amount: { scale: 300_000_000, value: 'AQ==' } });
    expect(() => decodeRecord({ ...base, value: huge }, options)).toThrow(/^t\[0\]@9 column "amount": decimal scale 300000000 is beyond PostgreSQL numeric's 16383$/);
    const fixed = { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', field: 'amount', parameters: { scale: '-300000000' } };
    const negative = message([{ type: 'int64', field: 'id' }, fixed], { id: 1, amount: 'AQ==' });
    expect(() => decodeRecord({ ...base, value: negative }, options)).toThrow(/column "amount": decimal scale -300000000 is beyond/);
  });

  it('reads PostGIS values as their hex EWKB, points as (x,y), floats as floats (values as the connector sent them for the type matrix)', () => {
    const row = (fields: object[]) => ({ type: 'struct', optional: true, fields });
    const geometry = (name: string, field: string) => ({ type: 'struct', name: `io.debezium.data.geometry.${name}`, field, fields: [] });
    const fields = [{ type: 'int64', field: 'id' }, geometry('Geometry', 'g'), geometry('Geography', 'gg'), geometry('Point', 'p'), { type: 'float', field: 'r' }, { type: 'double', field: 'd' }];
    const value = JSON.stringify({
      schema: { type: 'struct', fields: [{ ...row(fields), field: 'before' }, { ...row(fields), field: 'after' }, { type: 'struct', field: 'source', fields: [] }, { type: 'string', field: 'op' }] },
      payload: {
        before: null,
        after: { id: 1, g: { wkb: 'AQEAACDmEAAAAAAAAAAA8D8AAAAAAAAAQA==', srid: 4326 }, gg: { wkb: 'AQcAAAAAAAAA', srid: null }, p: { x: 'NaN', y: -2, wkb: 'AQ==', srid: null }, r: 'Infinity', d: 5e-324 },
        source: { lsn: 5, schema: 'public', table: 't', ts_ms: 1 },
        op: 'r',
        ts_ms: 1,
      },
    });
    const e = decodeRecord({ topic: 't', partition: 0, offset: '1', key: '{"id":1}', value }, { columns: { id: 'bigint' } });
    expect(e.kind === 'change' && e.after).toEqual({ id: '1', g: '0101000020E6100000000000000000F03F0000000000000040', gg: '010700000000000000', p: '(NaN,-2)', r: 'Infinity', d: '5e-324' });
    expect(e.kind === 'change' && Object.fromEntries(e.fields!.map((f) => [f.name, warehouseType(f)]))).toEqual({ id: 'bigint', g: 'text', gg: 'text', p: 'point', r: 'real', d: 'double precision' });
  });

  it('reads schemaless PostGIS values and points by their declared types as the schema-typed ones, whatever schema the type names', () => {
    const value = JSON.stringify({
      before: null,
      after: { id: 1, g: { wkb: 'AQEAACDmEAAAAAAAAAAA8D8AAAAAAAAAQA==', srid: 4326 }, gg: { wkb: 'AQcAAAAAAAAA', srid: null }, p: { x: 'NaN', y: -2, wkb: 'AQ==', srid: null } },
      source: { lsn: 5, ts_ms: 2 },
      op: 'r',
    });
    const columns = { id: 'bigint', g: 'geometry(Point,4326)', gg: 'geography', p: 'point' };
    const e = decodeRecord({ topic: 't', partition: 0, offset: '1', key: '{"id":1}', value }, { columns });
    expect(e.kind === 'change' && e.after).toEqual({ id: '1', g: '0101000020E6100000000000000000F03F0000000000000040', gg: '010700000000000000', p: '(NaN,-2)' });
  });

  it('reads a schemaless hstore, as JSON text or an object, as hstore prints it: keys by byte length then bytes, quotes and backslashes escaped', () => {
    const pairs = { ü: '✓', b: null, a: '1', 'k"\\': 'quoted "v" \\', zz: '' };
    const value = JSON.stringify({ before: null, after: { id: 1, h: JSON.stringify(pairs), m: pairs, e: '{}' }, source: { lsn: 5, ts_ms: 2 }, op: 'r' });
    const e = decodeRecord({ topic: 't', partition: 0, offset: '1', key: '{"id":1}', value }, { columns: { id: 'bigint', h: 'hstore', m: 'hstore', e: 'hstore' } });
    const text = '"a"=>"1", "b"=>NULL, "zz"=>"", "ü"=>"✓", "k\\"\\\\"=>"quoted \\"v\\" \\\\"';
    expect(e.kind === 'change' && e.after).toEqual({ id: '1', h: text, m: text, e: '' });
  });

  it('reads schemaless bit(n) from Debezium\'s little-endian Bits with the declared length, and refuses more bits than it', () => {
    // As the connector sent bit(3) 101, 000 and bit varying 1010101010 (type-matrix-cdc.test.ts); bit(1) is a boolean.
    const value = JSON.stringify({ before: null, after: { id: 1, a: 'BQ==', b: '', c: 'qgI=', d: true, e: false }, source: { lsn: 5, ts_ms: 2 }, op: 'r' });
    const columns = { id: 'bigint', a: 'bit(3)', b: 'bit(3)', c: 'bit(10)', d: 'bit', e: 'bit(1)' };
    const e = decodeRecord({ topic: 't', partition: 0, offset: '1', key: '{"id":1}', value }, { columns });
    expect(e.kind === 'change' && e.after).toEqual({ id: '1', a: '101', b: '000', c: '1010101010', d: '1', e: '0' });
    expect(() => decodeRecord({ topic: 't', partition: 0, offset: '2', key: '{"id":1}', value }, { columns: { ...columns, c: 'bit(9)' } })).toThrow(/^t\[0\]@2 column "c": 10 bits do not fit bit\(9\)$/);
  });

  it('returns truncate and message events as "other", for the caller to skip or refuse', () => {
    const value = JSON.stringify({ before: null, after: null, source: { lsn: 1 }, op: 't', ts_ms: 1 });
    expect(decodeRecord({ topic: 't', partition: 0, offset: '1', key: null, value })).toMatchObject({ kind: 'other', op: 't' });
  });

  it('honours a custom unavailable-value placeholder', () => {
    const value = JSON.stringify({ before: null, after: { id: 1, big: '__toast__' }, source: { lsn: 5, txId: 9, ts_ms: 2 }, op: 'u' });
    const e = decodeRecord({ topic: 't', partition: 0, offset: '1', key: '{"id":1}', value }, { columns: { id: 'bigint', big: 'text' }, unavailableValue: '__toast__' });
    expect(e.kind === 'change' && [...e.unavailable]).toEqual(['big']);
  });

  it('refuses a day, timestamp or zoned timestamp outside what every warehouse holds, naming the column, under each time setting', () => {
    // bigint values are written as JSON numbers, as the connector writes int64s.
    const value = (after: object) =>
      JSON.stringify({ before: null, after: { id: 1, ...after }, source: { lsn: 5, txId: 9, ts_ms: 2 }, op: 'c' }, (_k, v: unknown) => (typeof v === 'bigint' ? `#${v}#` : v)).replace(/"#(-?\d+)#"/g, '$1');
    const decode = (after: object, timePrecisionMode: 'adaptive' | 'adaptive_time_microseconds' | 'connect' = 'adaptive') => {
      const e = decodeRecord({ topic: 't', partition: 0, offset: '4', key: '{"id":1}', value: value(after) }, {
        settings: { decimalHandlingMode: 'precise', timePrecisionMode },
        columns: { id: 'bigint', day: 'date', at: 'timestamp without time zone', ms: 'timestamp(3) without time zone', tz: 'timestamp with time zone' },
      });
      return e.kind === 'change' ? e.after : null;
    };
    const MICROS_PER_DAY = 86_400_000_000n;
    // The first and last days of PostgreSQL's timestamps (Julian day 0, the end of year 294276).
    const first = -2_440_588n;
    const last = 106_762_939n;
    expect(decode({ day: Number(first) })).toEqual({ id: '1', day: '4714-11-24 BC' });
    expect(decode({ day: Number(last) })).toEqual({ id: '1', day: '294276-12-31' });
    expect(() => decode({ day: Number(first) - 1 })).toThrow(/^t\[0\]@4 column "day": date 4714-11-23 BC \(day -2440589\) is outside 4714-11-24 BC to 294276-12-31/);
    expect(() => decode({ day: Number(last) + 1 })).toThrow(/column "day": date 294277-01-01 \(day 106762940\) is outside/);
    // An int32 day far out, as Debezium's conversions of infinity and of days past 294276 are.
    expect(() => decode({ day: -621_907_411 })).toThrow(/column "day": date 1700756-05-05 BC \(day -621907411\) is outside/);
    const lastMicro = (last + 1n) * MICROS_PER_DAY - 1n;
    expect(decode({ at: first * MICROS_PER_DAY })).toEqual({ id: '1', at: '4714-11-24 00:00:00 BC' });
    expect(decode({ at: lastMicro })).toEqual({ id: '1', at: '294276-12-31 23:59:59.999999' });
    expect(() => decode({ at: first * MICROS_PER_DAY - 1n })).toThrow(/column "at": timestamp 4714-11-23 23:59:59.999999 BC \(-210866803200000001 µs\) is outside/);
    // MicroTimestamp's most negative value.
    expect(() => decode({ at: -9_223_372_036_854_775_808n })).toThrow(/column "at": timestamp .* BC .* is outside/);
    // time.precision.mode connect: every timestamp in milliseconds, far past year 294276 in int64.
    expect(decode({ at: (last + 1n) * 86_400_000n - 1n }, 'connect')).toEqual({ id: '1', at: '294276-12-31 23:59:59.999' });
    expect(() => decode({ at: (last + 1n) * 86_400_000n }, 'connect')).toThrow(/column "at": timestamp 294277-01-01 00:00:00 /);
    expect(() => decode({ ms: 900_000_000_000_000_000n }, 'adaptive_time_microseconds')).toThrow(/column "ms": timestamp .* is outside/);
    // The infinity markers stay infinity.
    expect(decode({ at: 9_223_372_036_825_200n, ms: 9_223_372_036_825_200n }, 'connect')).toEqual({ id: '1', at: 'infinity', ms: 'infinity' });
    expect(decode({ tz: '-4713-11-24T00:00:00Z' })).toEqual({ id: '1', tz: '4714-11-24 00:00:00+00 BC' });
    expect(decode({ tz: '+294276-12-31T23:59:59.999999Z' })).toEqual({ id: '1', tz: '294276-12-31 23:59:59.999999+00' });
    expect(() => decode({ tz: '-4713-11-23T23:59:59Z' })).toThrow(/column "tz": timestamp 4714-11-23 23:59:59\+00 BC is outside/);
    expect(() => decode({ tz: '+294277-01-01T00:00:00Z' })).toThrow(/column "tz": timestamp 294277-01-01 00:00:00\+00 is outside/);
  });

  it('types a schemaless numeric or money column as double precision under decimal.handling.mode double, as the message schema would', () => {
    expect(declaredCdcColumn('a', 'numeric(12,2)', 'double')).toEqual({ name: 'a', type: 'double precision' });
    expect(declaredCdcColumn('a', 'decimal', 'double')).toEqual({ name: 'a', type: 'double precision' });
    expect(declaredCdcColumn('m', 'money', 'double')).toEqual({ name: 'm', type: 'double precision' });
    expect(declaredCdcColumn('a', 'numeric(12,2)', 'string')).toEqual({ name: 'a', type: 'numeric(12,2)' });
    expect(declaredCdcColumn('m', 'money', 'precise')).toEqual({ name: 'm', type: 'money' });
    // Debezium sends numeric arrays as JSON, not as floats: the declared type stays.
    expect(declaredCdcColumn('xs', 'numeric(10,2)[]', 'double')).toEqual({ name: 'xs', type: 'numeric(10,2)[]' });
  });

  it('reads a schemaless string-mode decimal of NaN or ±Infinity (Debezium names them NAN, POSITIVE_INFINITY, NEGATIVE_INFINITY) as numeric writes them', () => {
    const value = JSON.stringify({ before: null, after: { id: 1, a: 'NAN', b: 'POSITIVE_INFINITY', c: 'NEGATIVE_INFINITY', d: '-0.0010' }, source: { lsn: 5, ts_ms: 2 }, op: 'r' });
    const columns = { id: 'bigint', a: 'numeric(12,2)', b: 'numeric', c: 'decimal', d: 'numeric(5,4)' };
    const e = decodeRecord({ topic: 't', partition: 0, offset: '1', key: '{"id":1}', value }, { settings: { decimalHandlingMode: 'string', timePrecisionMode: 'adaptive' }, columns });
    expect(e.kind === 'change' && e.after).toEqual({ id: '1', a: 'NaN', b: 'Infinity', c: '-Infinity', d: '-0.0010' });
  });
});

// Decoding real Debezium records (test/fixtures/debezium, captured from the connector on the
// local stack) with and without embedded schemas, for the decimal and time settings we document:
// every decoded value must equal what PostgreSQL itself printed for that row.
import { describe, expect, it } from 'vitest';
import { DebeziumDecodeError, decodeRecord, type ChangeEvent, type DecodedRecord, type KafkaRecord } from '../../activities/sources/debezium/decode.js';
import { warehouseType } from '../../activities/sources/debezium/cdc-columns.js';
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

  it('returns truncate and message events as "other", for the caller to skip or refuse', () => {
    const value = JSON.stringify({ before: null, after: null, source: { lsn: 1 }, op: 't', ts_ms: 1 });
    expect(decodeRecord({ topic: 't', partition: 0, offset: '1', key: null, value })).toMatchObject({ kind: 'other', op: 't' });
  });

  it('honours a custom unavailable-value placeholder', () => {
    const value = JSON.stringify({ before: null, after: { id: 1, big: '__toast__' }, source: { lsn: 5, txId: 9, ts_ms: 2 }, op: 'u' });
    const e = decodeRecord({ topic: 't', partition: 0, offset: '1', key: '{"id":1}', value }, { columns: { id: 'bigint', big: 'text' }, unavailableValue: '__toast__' });
    expect(e.kind === 'change' && [...e.unavailable]).toEqual(['big']);
  });
});

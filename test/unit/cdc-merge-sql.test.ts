// The CDC merge's SQL and staging, pure: quoting, the LSN version guard, hard and soft deletes,
// reading missing TOASTed values by the holder key, and the staged line of a collapsed change.
import { describe, expect, it } from 'vitest';
import * as sql from '../../activities/warehouse/postgres/cdc-merge-sql.js';
import { batchColumns, warehouseType } from '../../activities/sources/debezium/cdc-columns.js';
import { changeLine } from '../../activities/sources/debezium/cdc-extract.js';
import type { Collapsed } from '../../activities/sources/debezium/collapse.js';

const columns = [
  { name: 'id', type: 'bigint' },
  { name: 'Name"x', type: 'text' },
  { name: 'big', type: 'text' },
];
const spec = (deletes: 'hard' | 'soft'): sql.CdcMergeSpec => ({ schema: 'wh', table: 'orders', columns, written: columns, key: ['id'], deletes });

describe('CDC merge SQL', () => {
  it('creates the target keyed by (key, _source) with the LSN version column', () => {
    const ddl = sql.createCdcTargetSql(spec('soft'));
    expect(ddl).toContain('"wh"."orders"');
    expect(ddl).toContain('"Name""x" text');
    expect(ddl).toContain('"_lsn" numeric(20) NOT NULL');
    expect(ddl).toContain('"_deleted" boolean NOT NULL DEFAULT false');
    expect(ddl).toContain('PRIMARY KEY ("id", "_source")');
    expect(sql.createCdcTargetSql(spec('hard'))).not.toContain('_deleted');
  });

  it('upserts behind the version guard and counts inserts apart from updates', () => {
    const up = sql.upsertCdcSql(spec('hard'));
    expect(up).toContain(`WHERE s._op = 'u'`);
    expect(up).toContain('ON CONFLICT ("id", "_source") DO UPDATE SET');
    expect(up).toContain('WHERE t._lsn <= EXCLUDED._lsn');
    expect(up).not.toMatch(/"id" = EXCLUDED/);
    expect(sql.upsertCdcSql(spec('soft'))).toContain('"_deleted" = EXCLUDED."_deleted"');
  });

  it('deletes hard or soft, never a row with a newer LSN', () => {
    expect(sql.deleteCdcSql(spec('hard'))).toMatch(/^DELETE FROM "wh"."orders" t USING .* s\._op IN \('d', 'm'\) .*t\._lsn <= s\._lsn$/s);
    const soft = sql.deleteCdcSql(spec('soft'));
    expect(soft).toMatch(/^UPDATE "wh"."orders" t SET _deleted = true/);
    expect(soft).toContain('t._lsn <= s._lsn AND NOT t._deleted');
  });

  it('keeps rows moved away by a key change before deleting them, and reads missing values from them', () => {
    const keep = sql.keepMovedSql(spec('hard'), 'state');
    expect(keep).toContain(`"state"."tributary_cdc_moved"`);
    expect(keep).toContain(`WHERE s._op = 'm'`);
    expect(keep).toContain(`jsonb_build_object('id', s."id"::text)`);
    expect(sql.deleteCdcSql(spec('hard'))).toContain(`s._op IN ('d', 'm')`);
    const read = sql.resolveFromMovedSql(spec('hard'), 'big', 'state');
    expect(read).toContain(`SET "big" = (m.row_values ->> 'big')::text`);
    expect(read).toContain(`m.old_key = s._missing -> 'big'`);
    // Only for values that come from another key (a key change), never for a row's own key.
    expect(read).toContain(`s._missing -> 'big' <> jsonb_build_object('id', s."id"::text)`);
  });

  it('reads a missing value from the holder row named in _missing, with the key typed', () => {
    const r = sql.resolveMissingSql(spec('hard'), 'big', 'state');
    expect(r).toContain(`SET "big" = t."big"`);
    expect(r).toContain(`s._missing ? 'big'`);
    expect(r).toContain(`t."id" = (s._missing -> 'big' ->> 'id')::bigint`);
    expect(r).not.toContain('_deleted');
    // The old key's moved row wins over a live row of that key (a later reuse of the key).
    expect(r).toContain(`NOT (s._missing -> 'big' <> jsonb_build_object('id', s."id"::text) AND EXISTS (SELECT 1 FROM "state"."tributary_cdc_moved" m`);
    expect(sql.resolveMissingSql(spec('hard'), "it's", 'state')).toContain(`s._missing ? 'it''s'`);
    // A soft-deleted row holds values from before its delete: never a donor.
    expect(sql.resolveMissingSql(spec('soft'), 'big', 'state')).toContain('AND NOT t._deleted');
  });
});

describe('CDC columns', () => {
  it('maps Connect schemas to warehouse types; precision only when it is digits', () => {
    const f = (type: string, semantic: string | null, parameters: Record<string, string> = {}) => ({ name: 'c', type, semantic, optional: true, parameters });
    expect(warehouseType(f('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '3', 'connect.decimal.precision': '12' }))).toBe('numeric(12,3)');
    expect(warehouseType(f('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '3', 'connect.decimal.precision': '1);drop' }))).toBe('numeric');
    expect(warehouseType(f('int64', 'io.debezium.time.MicroTimestamp'))).toBe('timestamp without time zone');
    expect(warehouseType(f('string', 'io.debezium.time.ZonedTimestamp'))).toBe('timestamp with time zone');
    expect(warehouseType(f('int32', null))).toBe('integer');
    expect(warehouseType(f('string', 'io.debezium.data.Json'))).toBe('jsonb');
  });

  it('orders a batch by its newest schema and keeps columns only older events had', () => {
    const f = (name: string) => ({ name, type: 'string', semantic: null, optional: true, parameters: {} });
    expect(batchColumns([[f('id'), f('gone')], [f('id'), f('note')]]).map((c) => c.name)).toEqual(['id', 'note', 'gone']);
  });

  it('stages a change as its columns, op, LSN, commit time and the holders of missing values', () => {
    const base = { topic: 't', key: { id: '1' }, lsn: 123n, version: 123n, partition: 0, offset: 5n, txId: null, sourceTsMs: 1_700_000_000_000, snapshot: false };
    const up: Collapsed = { ...base, kind: 'upsert', row: { id: '1', 'Name"x': 'a,b' }, missing: new Map([['big', { id: '0' }]]) };
    expect(changeLine(up, columns)).toBe(`1,"a,b",,u,123,2023-11-14T22:13:20.000Z,"{""big"":{""id"":""0""}}",0\n`);
    const del: Collapsed = { ...base, kind: 'delete', row: { id: '1', 'Name"x': 'n' }, missing: new Map([['big', { id: '0' }]]) };
    expect(changeLine(del, columns)).toBe('1,,,d,123,2023-11-14T22:13:20.000Z,,0\n');
    // A delete that moves the row to a new key (primary-key change) is kept for the new key's create.
    expect(changeLine(del, columns, true)).toBe(`1,n,,m,123,2023-11-14T22:13:20.000Z,"{""big"":{""id"":""0""}}",0\n`);
    // What the batch does not know of a moved row is read from the warehouse row of its own key.
    const unknown: Collapsed = { ...base, kind: 'delete', row: {}, missing: new Map() };
    expect(changeLine(unknown, columns, true)).toBe(`1,,,m,123,2023-11-14T22:13:20.000Z,"{""Name\\""x"":{""id"":""1""},""big"":{""id"":""1""}}",0\n`);
    // A streamed change is staged at its version with its partition (the merge raises it to the partition's epoch).
    expect(changeLine({ ...up, version: 900n, partition: 2, missing: new Map() }, columns)).toBe(`1,"a,b",,u,900,2023-11-14T22:13:20.000Z,,2\n`);
    // A snapshot row is staged at the snapshot's point, without a partition: no epoch raises it.
    expect(changeLine({ ...up, snapshot: true, version: 800n, missing: new Map() }, columns)).toBe(`1,"a,b",,u,800,2023-11-14T22:13:20.000Z,,\n`);
  });
});

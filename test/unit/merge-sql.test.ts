import { describe, expect, it } from 'vitest';
import * as sql from '../../activities/warehouse/postgres/merge-sql.js';
import { chunkBoundariesSql, minusSeconds, rangeCopySql, watermarkType, keyColumns, type RangeSpec } from '../../activities/sources/postgres/watermark-sql.js';
import { boundSql } from '../../activities/sources/postgres/bound-sql.js';
import { snapshotCopySql } from '../../activities/sources/postgres/snapshot-sql.js';
import { ORDERS_COLUMNS } from './orders-columns.js';

const columns = ORDERS_COLUMNS;
const fact: sql.MergeSpec = { schema: 'analytics', table: 'orders', columns, stagedColumns: columns, key: ['id'], mode: { kind: 'upsert', version: 'updated_at' } };
const dim = (deletes: 'hard' | 'soft'): sql.MergeSpec => ({
  ...fact,
  stagedColumns: [...columns, { name: '_row_hash', type: 'text' }],
  mode: { kind: 'snapshot', deletes },
});

describe('warehouse merge SQL (postgres)', () => {
  it('creates the target with key + _source as primary key and the lineage columns', () => {
    expect(sql.createTargetSql(fact)).toBe(
      'CREATE TABLE IF NOT EXISTS "analytics"."orders" ("id" bigint, "Note" text, "updated_at" timestamp with time zone, ' +
        '"_source" text, "_region" text, "_batch_id" text, "_extracted_at" timestamp with time zone, "_loaded_at" timestamp with time zone, PRIMARY KEY ("id", "_source"))',
    );
    expect(sql.createTargetSql(dim('soft'))).toContain('"_row_hash" text, "_deleted" boolean NOT NULL DEFAULT false, "_deleted_at" timestamp with time zone');
    expect(sql.createTargetSql(dim('hard'))).not.toContain('_deleted');
  });

  it('adds the given columns only', () => {
    expect(sql.addColumnsSql(fact, [{ name: 'Note', type: 'text' }])).toEqual(['ALTER TABLE "analytics"."orders" ADD COLUMN IF NOT EXISTS "Note" text']);
  });

  it('facts: merge straight from the stage (a duplicate key was refused before)', () => {
    expect(sql.incomingSql(fact)).toBeNull();
    expect(sql.deleteReplacedSql(fact)).toContain('USING "tributary_stage" s');
    expect(sql.insertSql(fact)).toContain('FROM "tributary_stage" s');
    expect(sql.deleteReplacedSql(dim('hard'))).toContain('USING "tributary_incoming" s');
  });

  it('facts: replaces only rows that are not newer and differ (the version guard)', () => {
    const del = sql.deleteReplacedSql(fact);
    expect(del).toContain('t."id" = s."id" AND t._source = $1');
    expect(del).toContain('t."updated_at" <= s."updated_at"');
    expect(del).toContain('ROW(t."id", t."Note", t."updated_at") IS DISTINCT FROM ROW(s."id", s."Note", s."updated_at")');
    expect(sql.deleteMissingSql(fact)).toBeNull();
  });

  it('inserts only keys that are absent, with lineage as bind parameters', () => {
    const ins = sql.insertSql(fact);
    expect(ins).toContain('SELECT s."id", s."Note", s."updated_at", $1, $2, $3, $4::timestamptz, now()');
    expect(ins).toContain('WHERE NOT EXISTS');
    expect(sql.insertSql(dim('hard'))).toContain('s."_row_hash", $1');
  });

  it('dimensions: only rows whose hash differs from the live row come in; missing keys are deleted or marked', () => {
    expect(sql.incomingSql(dim('hard'))).toContain('t._row_hash = s._row_hash)');
    expect(sql.incomingSql(dim('soft'))).toContain('t._row_hash = s._row_hash AND NOT t._deleted)');
    expect(sql.deleteMissingSql(dim('hard'))).toMatch(/^DELETE FROM "analytics"."orders" t WHERE t._source = \$1 AND NOT EXISTS/);
    expect(sql.deleteMissingSql(dim('soft'))).toMatch(/^UPDATE "analytics"."orders" t SET _deleted = true, _deleted_at = now\(\) WHERE NOT t._deleted AND t._source = \$1/);
  });

  it('moves the checkpoint forward only', () => {
    expect(sql.upsertCheckpointSql('analytics')).toContain('WHERE c.position < EXCLUDED.position');
  });

  it('quotes hostile identifiers instead of pasting them', () => {
    expect(sql.createTargetSql({ ...fact, table: 'x"; DROP TABLE y; --' })).toContain('"analytics"."x""; DROP TABLE y; --"');
  });
});

describe('source SQL (postgres)', () => {
  const cols = [
    { name: 'id', type: 'bigint' },
    { name: 'updated_at', type: 'timestamp(3) with time zone' },
    { name: 'n', type: 'integer' },
  ];
  const range: RangeSpec = { schema: 'public', table: 'orders', watermark: 'updated_at', type: 'timestamp with time zone', key: [cols[0]!], from: "2026-01-01T00:00:00.000000Z'", to: '2026-01-02T00:00:00.000000Z' };

  it('accepts timestamp watermarks only and existing key columns, naming the pipeline and source otherwise', () => {
    expect(watermarkType(cols, 'updated_at', 'x')).toBe('timestamp with time zone');
    expect(() => watermarkType(cols, 'n', 'pipeline p, source app/us')).toThrow('pipeline p, source app/us: watermark column "n" has type integer');
    expect(() => watermarkType(cols, 'nope', 'pipeline p')).toThrow(/"nope" is not in the table \(columns: id, updated_at, n\)/);
    expect(() => keyColumns(cols, ['id', 'nope'], 'pipeline p, source app/eu')).toThrow('pipeline p, source app/eu: key column "nope" is not in the table');
  });

  it('bounds the range by now() minus lag and the oldest open transaction of others', () => {
    const q = boundSql();
    expect(q).toContain('now() - make_interval(secs => $1)');
    expect(q).toContain('FROM pg_stat_activity');
    expect(q).toContain('(SELECT min(xact_start) FROM vis)');
    expect(q).toContain(`application_name IS DISTINCT FROM 'tributary'`);
  });

  it('copies a half-open range with quoted literals, and a keyset chunk of it', () => {
    expect(rangeCopySql(range, cols, null, null)).toBe(
      `COPY (SELECT "id", "updated_at", "n" FROM "public"."orders" WHERE "updated_at" >= '2026-01-01T00:00:00.000000Z'''::timestamptz AND "updated_at" < '2026-01-02T00:00:00.000000Z'::timestamptz) TO STDOUT WITH (FORMAT csv)`,
    );
    const chunk = rangeCopySql({ ...range, from: null }, cols, { watermark: 'A', key: ['1'] }, { watermark: 'B', key: ['2'] });
    expect(chunk).toContain(`WHERE "updated_at" < '2026-01-02T00:00:00.000000Z'::timestamptz AND ROW("updated_at", "id") > ROW('A'::timestamptz, '1'::bigint) AND ROW("updated_at", "id") <= ROW('B'::timestamptz, '2'::bigint)`);
  });

  it('finds chunk boundaries every $1 rows in (watermark, key) order', () => {
    // Run on a real server with ties in test/integration/postgres.test.ts.
    const q = chunkBoundariesSql(range);
    expect(q).toContain('ORDER BY "updated_at", "id" OFFSET $1 - 1 LIMIT 1');
    expect(q).toContain('ROW("updated_at", "id") > ROW(b."updated_at", b."id")');
  });

  it('hashes each row at the source for dimensions', () => {
    expect(snapshotCopySql('public', 'c', cols)).toBe('COPY (SELECT "id", "updated_at", "n", md5(ROW("id", "updated_at", "n")::text) AS _row_hash FROM "public"."c") TO STDOUT WITH (FORMAT csv)');
  });

  it('moves a watermark back keeping its microseconds and format', () => {
    expect(minusSeconds('2026-03-01T00:00:30.123456Z', 60)).toBe('2026-02-28T23:59:30.123456Z');
    expect(minusSeconds('2026-03-01T00:00:30.123456Z', 0)).toBe('2026-03-01T00:00:30.123456Z');
  });
});

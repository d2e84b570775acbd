import { describe, expect, it } from 'vitest';
import * as sql from '../../activities/warehouse/postgres/merge-sql.js';
import { minusSeconds, rangeCopySql, safeUpperBoundSql, watermarkType } from '../../activities/postgres/watermark-sql.js';

const spec: sql.MergeSpec = {
  schema: 'analytics',
  table: 'orders',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'Note', type: 'text' },
    { name: 'updated_at', type: 'timestamp with time zone' },
  ],
  key: ['id'],
  version: 'updated_at',
};

describe('warehouse merge SQL (postgres)', () => {
  it('creates the target with the key plus region as primary key and the meta columns', () => {
    expect(sql.createTargetSql(spec)).toBe(
      'CREATE TABLE IF NOT EXISTS "analytics"."orders" ("id" bigint, "Note" text, "updated_at" timestamp with time zone, "_region" text, "_synced_at" timestamp with time zone, PRIMARY KEY ("id", "_region"))',
    );
  });

  it('adds only the columns the target lacks', () => {
    expect(sql.addColumnsSql(spec, new Set(['id', 'updated_at']))).toEqual(['ALTER TABLE "analytics"."orders" ADD COLUMN IF NOT EXISTS "Note" text']);
    expect(sql.addColumnsSql(spec, new Set(['id', 'Note', 'updated_at']))).toEqual([]);
  });

  it('dedups by key keeping the newest version', () => {
    expect(sql.dedupSql(spec)).toMatch(/SELECT DISTINCT ON \("id"\) \* FROM "tributary_stage" ORDER BY "id", "updated_at" DESC NULLS LAST/);
  });

  it('replaces only rows that are not newer and differ (the version guard)', () => {
    const del = sql.deleteReplacedSql(spec);
    expect(del).toContain('t."id" = s."id" AND t._region = $1');
    expect(del).toContain('t."updated_at" <= s."updated_at"');
    expect(del).toContain('ROW(t."id", t."Note", t."updated_at") IS DISTINCT FROM ROW(s."id", s."Note", s."updated_at")');
  });

  it('inserts only keys that are absent, with the region as a bind parameter', () => {
    const ins = sql.insertSql(spec);
    expect(ins).toContain('SELECT s."id", s."Note", s."updated_at", $1, now()');
    expect(ins).toContain('WHERE NOT EXISTS');
  });

  it('moves the checkpoint forward only', () => {
    expect(sql.upsertCheckpointSql('analytics')).toContain('WHERE c.position < EXCLUDED.position');
  });

  it('quotes hostile identifiers instead of pasting them', () => {
    const evil = { ...spec, table: 'x"; DROP TABLE y; --' };
    expect(sql.createTargetSql(evil)).toContain('"analytics"."x""; DROP TABLE y; --"');
  });
});

describe('watermark SQL (postgres source)', () => {
  const cols = [
    { name: 'id', type: 'bigint' },
    { name: 'updated_at', type: 'timestamp(3) with time zone' },
    { name: 'n', type: 'integer' },
  ];

  it('accepts timestamp columns only, naming the pipeline and source otherwise', () => {
    expect(watermarkType(cols, 'updated_at', 'x')).toBe('timestamp with time zone');
    expect(() => watermarkType(cols, 'n', 'pipeline p, source app/us')).toThrow('pipeline p, source app/us: watermark column "n" has type integer');
    expect(() => watermarkType(cols, 'nope', 'pipeline p')).toThrow(/"nope" is not in the table \(columns: id, updated_at, n\)/);
  });

  it('bounds the range by now() minus lag and the oldest open transaction', () => {
    const q = safeUpperBoundSql('timestamp with time zone');
    expect(q).toContain('now() - make_interval(secs => $1)');
    expect(q).toContain('min(xact_start) FROM pg_stat_activity');
  });

  it('copies a half-open range with quoted literals, and everything below the bound on a first load', () => {
    expect(rangeCopySql('public', 'orders', cols, 'updated_at', 'timestamp with time zone', "2026-01-01T00:00:00.000000Z'", '2026-01-02T00:00:00.000000Z')).toBe(
      `COPY (SELECT "id", "updated_at", "n" FROM "public"."orders" WHERE "updated_at" >= '2026-01-01T00:00:00.000000Z'''::timestamptz AND "updated_at" < '2026-01-02T00:00:00.000000Z'::timestamptz) TO STDOUT WITH (FORMAT csv)`,
    );
    expect(rangeCopySql('public', 'orders', cols, 'updated_at', 'timestamp without time zone', null, '2026-01-02T00:00:00.000000Z')).toContain(
      `WHERE "updated_at" < '2026-01-02T00:00:00.000000Z'::timestamp)`,
    );
  });

  it('moves a watermark back keeping its microseconds and format', () => {
    expect(minusSeconds('2026-03-01T00:00:30.123456Z', 60)).toBe('2026-02-28T23:59:30.123456Z');
    expect(minusSeconds('2026-03-01T00:00:30.123456Z', 0)).toBe('2026-03-01T00:00:30.123456Z');
  });
});

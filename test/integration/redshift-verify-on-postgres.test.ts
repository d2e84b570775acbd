// Verify's Redshift SQL run on the local warehouse PostgreSQL: a source table with varied types,
// the same rows in a table of the Redshift column types (loaded from the source's text, as the
// S3 stage carries it), and the bucket checksums and rows computed with the Redshift SQL there
// equal those the source computes in its canonical form.
//
// What differs from Redshift, and how this test bridges it: STRTOL (Redshift's) is a one-line
// function in this test's schema over PostgreSQL's bit casts; Data API :name parameters become $n.
// Redshift's own TO_CHAR, CAST to VARCHAR, RTRIM and MD5 are not run here (see docs/redshift.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { bucketAggregateSql, bucketRowsSql, type BucketTable } from '../../activities/reconcile/bucket-sql.js';
import { redshiftAggregateSql, redshiftBucketRowsSql, sourceRowForm } from '../../activities/warehouse/redshift/bucket-sql.js';
import { redshiftType } from '../../activities/warehouse/redshift/types.js';
import { STACK, connect, uniqueName } from './stack.js';
import { positional } from '../fixtures/positional.js';

const schema = uniqueName('rs_verify');
const BUCKETS = 8;
const columns = [
  { name: 'id', type: 'bigint' },
  { name: 'small', type: 'smallint' },
  { name: 'amount', type: 'numeric(12,2)' },
  { name: 'big', type: 'numeric' },
  { name: 'paid', type: 'boolean' },
  { name: 'day', type: 'date' },
  { name: 'at', type: 'timestamp without time zone' },
  { name: 'updated_at', type: 'timestamp with time zone' },
  { name: 'note', type: 'text' },
  { name: 'code', type: 'character(6)' },
  { name: 'ref', type: 'uuid' },
];
const ROWS = `VALUES
  (1, 1, 12.30, 123456789012345678901234567890.123450, true, '2026-01-02', '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.5+05:30', 'plain', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, -32768, -0.01, 0, false, '1999-12-31', '1999-12-31 23:59:59', '2026-06-30 23:00:00-07', 'héllo wörld ✓ 日本語 🎉', 'xyzxyz', NULL),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 7, 100.00, 1e20, true, '2000-02-29', '2000-02-29 00:00:00.000001', '1970-01-01 00:00:00+00', '', ' ', '00000000-0000-0000-0000-000000000000'),
  (5, 0, 0, -42.5000, false, '2026-12-07', '2026-12-07 12:00:00', '2026-12-07 12:00:00.999999+00', 'quote '' "dq" , (paren) \\ back', 'a,b', NULL)`;

let c: pg.Client;
const q = (s: string) => `${pg.escapeIdentifier(schema)}.${s}`;

beforeAll(async () => {
  c = await connect(STACK.warehouse);
  await c.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
  await c.query(`SET search_path TO ${pg.escapeIdentifier(schema)}, public`);
  // Redshift's STRTOL(hex, 16) for the at most 15 hex digits the SQL passes it.
  await c.query(`CREATE FUNCTION strtol(t text, base int) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT ('x' || lpad(t, 16, '0'))::bit(64)::bigint $$`);
  await c.query(`SET TIME ZONE 'America/New_York'`);
  await c.query(`CREATE TABLE ${q('src')} (${columns.map((k) => `${pg.escapeIdentifier(k.name)} ${k.type}`).join(', ')})`);
  await c.query(`INSERT INTO ${q('src')} ${ROWS}`);
  // The warehouse table: Redshift's column types, plus _source, filled from the source's text form.
  await c.query(`CREATE TABLE ${q('tgt')} (${columns.map((k) => `${pg.escapeIdentifier(k.name)} ${redshiftType(k.type).sql}`).join(', ')}, _source VARCHAR(200))`);
  // format('%s') is the type's output function (char(n) padded, as COPY writes it); ::text would trim.
  const asStaged = (k: { name: string; type: string }) => `(CASE WHEN ${pg.escapeIdentifier(k.name)} IS NULL THEN NULL ELSE format('%s', ${pg.escapeIdentifier(k.name)}) END)::${redshiftType(k.type).sql}`;
  await c.query(`INSERT INTO ${q('tgt')} SELECT ${columns.map(asStaged).join(', ')}, 'app/us' FROM ${q('src')}`);
});

afterAll(async () => {
  await c?.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await c?.end();
});

const source: BucketTable = { schema, table: 'src', key: ['id'], columns, form: sourceRowForm };
const warehouse = { schema, table: 'tgt', key: [columns[0]!], columns, source: 'app/us', softDeletes: false };

async function run(sql: string, params: Record<string, string>) {
  const p = positional(sql, Object.entries(params).map(([name, value]) => ({ name, value })));
  return (await c.query<Record<string, unknown>>(p.text, p.values)).rows;
}

describe('verify checksums in Redshift SQL', () => {
  it('equal the source side for the same rows, bucket by bucket and row by row', async () => {
    const sa = bucketAggregateSql(source, BUCKETS, null);
    const src = (await c.query<{ bucket: number; rows: string; total: string }>(sa.sql, [null, ...sa.params])).rows.map((r) => ({ bucket: Number(r.bucket), rows: Number(r.rows), total: r.total }));
    const wa = redshiftAggregateSql(warehouse, BUCKETS, null, null);
    const dst = (await run(wa.sql, wa.params)).map((r) => ({ bucket: Number(r.bucket_no), rows: Number(r.row_count), total: String(r.total) }));
    const order = (a: { bucket: number }[]) => [...a].sort((x, y) => x.bucket - y.bucket);
    expect(src.reduce((n, a) => n + a.rows, 0)).toBe(5);
    expect(order(dst)).toEqual(order(src));

    const all = [...Array(BUCKETS).keys()];
    const sr = bucketRowsSql(source, BUCKETS, null);
    const srcRows = (await c.query<{ b: number; k: string; h: string }>(sr.sql, [all, ...sr.params])).rows.map((r) => `${r.b} ${r.k} ${r.h}`).sort();
    const wr = redshiftBucketRowsSql(warehouse, BUCKETS, all);
    const dstRows = (await run(wr.sql, wr.params)).map((r) => `${String(r.b)} ${String(r.k)} ${String(r.h)}`).sort();
    expect(dstRows).toEqual(srcRows);
  });

  it('differ when one value differs (a changed timestamp, a NULL where text was empty)', async () => {
    await c.query(`UPDATE ${q('tgt')} SET updated_at = updated_at + interval '1 microsecond' WHERE id = 1`);
    await c.query(`UPDATE ${q('tgt')} SET note = NULL WHERE id = 4`);
    const all = [...Array(BUCKETS).keys()];
    const sr = bucketRowsSql(source, BUCKETS, null);
    const src = new Map((await c.query<{ k: string; h: string }>(sr.sql, [all, ...sr.params])).rows.map((r) => [r.k, r.h]));
    const wr = redshiftBucketRowsSql(warehouse, BUCKETS, all);
    const changed = (await run(wr.sql, wr.params)).filter((r) => src.get(String(r.k)) !== String(r.h));
    expect(changed).toHaveLength(2);
  });
});

// Verify's and repair's Redshift SQL run on the local warehouse PostgreSQL: a source table with
// varied types, the same rows in tables of the Redshift column types (loaded from the source's
// text, as the S3 stage carries it), and the bucket checksums and rows computed with the Redshift
// SQL there equal those the source computes in its canonical form, for a pull target (one
// source) and a CDC target (rows of several clusters, soft deletes); a fact repair's delete batch
// removes the keys the source lacks, once; a topic target's offsets and dead letters are read.
//
// What differs from Redshift, and how this test bridges it: STRTOL (Redshift's) is a one-line
// function in this test's schema over PostgreSQL's bit casts; Data API :name parameters become $n.
// Redshift's own TO_CHAR, CAST to VARCHAR, RTRIM and MD5 are not run here (see docs/redshift.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { bucketAggregateSql, bucketRowsSql, type BucketTable } from '../../activities/reconcile/bucket-sql.js';
import { bucketKeysSql } from '../../activities/reconcile/bucket-sql.js';
import { extraKeys } from '../../activities/reconcile/compare.js';
import { redshiftAggregateSql, redshiftBucketRowsSql, redshiftDeleteExtraBatch, sourceRowForm, type RedshiftBucketTable } from '../../activities/warehouse/redshift/bucket-sql.js';
import { ledgerColumnSqls, stateTablesSql, type Param } from '../../activities/warehouse/redshift/merge-sql.js';
import { offsetsStateTablesSql } from '../../activities/warehouse/redshift/offsets-sql.js';
import { redshiftDeadLetterOffsetsSql, redshiftTargetOffsetsSql } from '../../activities/warehouse/redshift/topic-verify-sql.js';
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
  // A fact target holding the source's rows, two more of its own source and one of another.
  await c.query(`CREATE TABLE ${q('fact_tgt')} (LIKE ${q('tgt')})`);
  await c.query(`INSERT INTO ${q('fact_tgt')} SELECT * FROM ${q('tgt')}`);
  await c.query(`INSERT INTO ${q('fact_tgt')} (id, note, _source) VALUES (6, 'gone', 'app/us'), (7, 'gone too', 'app/us'), (8, 'other server', 'app/eu')`);
  // A CDC target: rows named by the cluster their change came through, a soft-deleted one, one of another region's cluster.
  await c.query(`CREATE TABLE ${q('cdc_tgt')} (LIKE ${q('tgt')} EXCLUDING ALL, _deleted BOOLEAN NOT NULL DEFAULT false)`);
  await c.query(`INSERT INTO ${q('cdc_tgt')} SELECT ${columns.map(asStaged).join(', ')}, CASE WHEN id % 2 = 0 THEN 'kafka/a' ELSE 'kafka/b' END, false FROM ${q('src')}`);
  await c.query(`INSERT INTO ${q('cdc_tgt')} (id, note, _source, _deleted) VALUES (90, 'deleted at the source', 'kafka/a', true), (91, 'eu', 'kafka/eu', false)`);
  for (const stmt of [...stateTablesSql(schema), ...ledgerColumnSqls(schema, new Set()), ...offsetsStateTablesSql(schema)]) await c.query(stmt);
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

/** A batch as BatchExecuteStatement runs it: one transaction, on a session of its own (its temp tables die with it); the last statement's rows. */
async function runBatch(sqls: string[], params: Param[]) {
  const s = await connect(STACK.warehouse);
  try {
    await s.query(`SET search_path TO ${pg.escapeIdentifier(schema)}, public`);
    await s.query('BEGIN');
    let rows: Record<string, unknown>[] = [];
    for (const sql of sqls) {
      const p = positional(sql, params);
      rows = (await s.query<Record<string, unknown>>(p.text, p.values)).rows;
    }
    await s.query('COMMIT');
    return rows;
  } finally {
    await s.end();
  }
}

const all = [...Array(BUCKETS).keys()];
const sourceAggregates = async () => {
  const sa = bucketAggregateSql(source, BUCKETS, null);
  return (await c.query<{ bucket: number; rows: string; total: string }>(sa.sql, [null, ...sa.params])).rows.map((r) => ({ bucket: Number(r.bucket), rows: Number(r.rows), total: r.total }));
};
const warehouseAggregates = async (t: RedshiftBucketTable) => {
  const wa = redshiftAggregateSql(t, BUCKETS, null, null);
  return (await run(wa.sql, wa.params)).map((r) => ({ bucket: Number(r.bucket_no), rows: Number(r.row_count), total: String(r.total) }));
};
const byBucket = (a: { bucket: number }[]) => [...a].sort((x, y) => x.bucket - y.bucket);

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

describe('CDC verify in Redshift SQL', () => {
  it("equals the source over the rows of the region's clusters, soft-deleted rows left out", async () => {
    const cdc = { ...warehouse, table: 'cdc_tgt', source: ['kafka/a', 'kafka/b'], softDeletes: true };
    expect(byBucket(await warehouseAggregates(cdc))).toEqual(byBucket(await sourceAggregates()));
    // The same rows counted as one cluster's only: a different answer.
    expect(byBucket(await warehouseAggregates({ ...cdc, source: ['kafka/a'] }))).not.toEqual(byBucket(await sourceAggregates()));
  });
});

describe('fact repair in Redshift SQL', () => {
  const fact: RedshiftBucketTable = { ...warehouse, table: 'fact_tgt' };
  const values = { batchId: uniqueName('repair'), pipeline: 'orders', region: 'us', source: 'app/us', stream: 'public.src', rangeTo: '2026-12-08 00:00:00+00', checksum: `repair:buckets ${all.join(',')} of ${BUCKETS}`, loadedAt: '2026-12-07T12:00:00Z' };
  const ids = async () => (await c.query<{ id: string; _source: string }>(`SELECT id, _source FROM ${q('fact_tgt')} ORDER BY id`)).rows.map((r) => `${r.id} ${r._source}`);

  it("deletes the warehouse keys the source lacks, of that source only, with its ledger row; a second run changes nothing", async () => {
    const keys = (await c.query<{ kt: string }>(bucketKeysSql(source, BUCKETS), [all])).rows.map((r) => r.kt);
    const wr = redshiftBucketRowsSql(fact, BUCKETS, all);
    const rows = (await run(wr.sql, wr.params)).map((r) => ({ bucket: Number(r.b), key: String(r.k), hash: String(r.h), pending: false }));
    const extra = extraKeys(keys, rows);
    expect(extra).toHaveLength(2);
    const plan = redshiftDeleteExtraBatch(fact, schema, { buckets: BUCKETS, only: all, extra }, values);
    expect(await runBatch(plan.sqls, plan.parameters)).toEqual([{ done: '0', deleted: '2' }]);
    expect(await ids()).toEqual(['1 app/us', '2 app/us', '3 app/us', '4 app/us', '5 app/us', '8 app/eu']);
    expect(byBucket(await warehouseAggregates(fact))).toEqual(byBucket(await sourceAggregates()));

    // A retried batch finds its ledger row: a row of a key it named, back since, stays.
    await c.query(`INSERT INTO ${q('fact_tgt')} (id, note, _source) VALUES (6, 'back', 'app/us')`);
    expect(await runBatch(plan.sqls, plan.parameters)).toEqual([{ done: '1', deleted: '2' }]);
    expect(await ids()).toContain('6 app/us');
    const ledger = await c.query(`SELECT rows_staged, deleted, deleted_absent, range_to, checksum FROM ${q('tributary_batches')} WHERE batch_id = $1`, [values.batchId]);
    expect(ledger.rows).toEqual([{ rows_staged: '0', deleted: '2', deleted_absent: '2', range_to: values.rangeTo, checksum: values.checksum }]);
  });
});

describe('topic verify in Redshift SQL', () => {
  it("reads a partition range's offsets of one cluster, and its dead letters without retention gaps", async () => {
    await c.query(`CREATE TABLE ${q('clicks')} (kafka_partition INTEGER, kafka_offset BIGINT, _source VARCHAR(256))`);
    await c.query(`INSERT INTO ${q('clicks')} VALUES (0, 9, 'kafka/a'), (0, 10, 'kafka/a'), (0, 12, 'kafka/a'), (0, 20, 'kafka/a'), (1, 11, 'kafka/a'), (0, 13, 'kafka/b')`);
    const dead = (offset: number, reason: string, pipeline = 'clicks') =>
      c.query(`INSERT INTO ${q('tributary_dead_letters')} (pipeline, region, source, cell, topic, kafka_partition, kafka_offset, reason, detail, batch_id, dead_lettered_at)
                 VALUES ($1, 'us', 'kafka/a', 'a', 'web.clicks', 0, $2, $3, 'x', 'b1', now())`, [pipeline, offset, reason]);
    await dead(11, 'not-json');
    await dead(14, 'retention-gap');
    await dead(15, 'not-json', 'other');
    const range = { source: 'kafka/a', partition: 0, from: 10, to: 20 };
    const t = redshiftTargetOffsetsSql({ schema, table: 'clicks' }, range);
    expect((await run(t.sql, t.params)).map((r) => Number(r.o)).sort((a, b) => a - b)).toEqual([10, 12]);
    const d = redshiftDeadLetterOffsetsSql(schema, 'clicks', 'web.clicks', range);
    expect((await run(d.sql, d.params)).map((r) => Number(r.o))).toEqual([11]);
  });
});

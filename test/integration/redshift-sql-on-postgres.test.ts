// The SQL the Redshift dialect generates, executed for real on the local warehouse PostgreSQL:
// state tables, target DDL, and the whole merge batch (dedup, version guard, delete, insert,
// quarantine, ledger, checkpoints) in one transaction, as BatchExecuteStatement would run it.
//
// What differs from Redshift, and how this test bridges it (nothing else is changed):
// - COPY FROM S3 with the manifest: replaced by COPY FROM STDIN of the same CSV into the same
//   temp stage table;
// - pg_last_copy_count() (Redshift's): replaced by the stage's row count, which is what it
//   means right after the COPY;
// - the SUPER type and JSON_SERIALIZE(): a domain over jsonb and a one-line function in this
//   test's schema, found through search_path;
// - Data API named parameters (:name) become $n bind parameters;
// - JSON_EXTRACT_PATH_TEXT on a VARCHAR (Redshift's): a one-line function over PostgreSQL's json one.
// The COPY input is what the S3 stage writes (NULL as the marker, null-marker.ts), loaded with
// NULL '<marker>' as Redshift's COPY loads it with NULL AS '<marker>'.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { stagedColumnsOptions, stagedSelectList } from '../../activities/sources/postgres/staged-columns.js';
import { REDSHIFT_CAPABILITIES } from '../../activities/warehouse/redshift/redshift-warehouse.js';
import * as rs from '../../activities/warehouse/redshift/merge-sql.js';
import { modeColumns, type MergeSpec } from '../../activities/warehouse/postgres/merge-sql.js';
import { declaredVarcharBytes } from '../../activities/warehouse/redshift/types.js';
import { byteLength, MAX_STATEMENT_BYTES } from '../../activities/warehouse/redshift/statement-size.js';
import { ledgerBatch, offsetsStateTablesSql } from '../../activities/warehouse/redshift/offsets-sql.js';
import { createTopicTargetSql, topicMergeBatch, TOPIC_DEAD, TOPIC_STAGE } from '../../activities/warehouse/redshift/topic-merge-sql.js';
import { cdcDecision, cdcMoves, topicDecision } from '../../activities/warehouse/redshift/ledger-decision.js';
import { cdcHealTablesSql, type CdcHeal } from '../../activities/warehouse/redshift/cdc-heal-sql.js';
import { CDC_STAGE, cdcMergeBatch, createCdcTargetSql, createMovedTableSql, movedLsnsSql, movedTableName, type RedshiftCdcSpec } from '../../activities/warehouse/redshift/cdc-merge-sql.js';
import type { TopicMergeSpec } from '../../activities/warehouse/postgres/topic-merge-sql.js';
import type { CdcRange, CdcUnit, TopicUnit } from '../../activities/types.js';
import { STAGE_NULL, toStageNulls } from '../../activities/stage/null-marker.js';
import { STACK, connect, uniqueName } from './stack.js';
import { positional } from '../fixtures/positional.js';

const schema = uniqueName('rs_sql');
const MANIFEST = 's3://tributary-stage/test/batch.manifest.json';
const ROLE = 'arn:aws:iam::123456789012:role/tributary-load';

async function session(): Promise<pg.Client> {
  const c = await connect(STACK.warehouse);
  await c.query(`SET search_path TO ${pg.escapeIdentifier(schema)}, public`);
  return c;
}

async function withSession<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await session();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function targetColumns(c: pg.Client, spec: MergeSpec): Promise<rs.TargetColumn[]> {
  const q = positional(rs.TARGET_COLUMNS_SQL, [
    { name: 'schema', value: spec.schema },
    { name: 'table', value: spec.table },
  ]);
  const res = await c.query<{ column_name: string; data_type: string; character_maximum_length: number | null }>(q.text, q.values);
  return res.rows.map((r) => ({ name: r.column_name, varcharBytes: declaredVarcharBytes(r.data_type, r.character_maximum_length) }));
}

async function ensureTarget(spec: MergeSpec): Promise<void> {
  await withSession(async (c) => {
    if ((await targetColumns(c, spec)).length === 0) for (const s of rs.createTargetSqls(spec, modeColumns(spec.mode))) await c.query(s);
  });
}

const csvField = (v: string | number | null) => (v === null ? '' : `"${String(v).replace(/"/g, '""')}"`);
const csv = (rows: (string | number | null)[][]) => rows.map((r) => r.map(csvField).join(',') + '\n').join('');

/** Loads rows as Redshift's COPY would from the S3 stage: the stage's CSV, NULL AS the marker. */
async function copyLikeRedshift(c: pg.Client, table: string, rows: (string | number | null)[][]): Promise<void> {
  const text = toStageNulls(Buffer.from(csv(rows)));
  await pipeline(Readable.from([text]), c.query(copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT csv, NULL '${STAGE_NULL}')`)));
}

/**
 * Runs a generated batch in one transaction, as BatchExecuteStatement would: `copies` maps the
 * index of each COPY statement to the stage table and rows it loads. Returns each statement's rows.
 */
async function runOnPostgres(
  c: pg.Client,
  sqls: string[],
  params: rs.Param[],
  copies: Map<number, { table: string; rows: (string | number | null)[][] }>,
): Promise<Record<string, unknown>[][]> {
  const out: Record<string, unknown>[][] = [];
  let lastCopy = '';
  await c.query('BEGIN');
  try {
    for (const [i, sql] of sqls.entries()) {
      const copy = copies.get(i);
      if (copy) {
        expect(sql).toMatch(new RegExp(`^COPY ${copy.table} FROM 's3://.*NULL AS '${STAGE_NULL}'`));
        await copyLikeRedshift(c, copy.table, copy.rows);
        lastCopy = copy.table;
        out.push([]);
        continue;
      }
      const local = sql.replaceAll('pg_last_copy_count()', `(SELECT COUNT(*) FROM ${lastCopy})`);
      const q = positional(local, params);
      try {
        out.push((await c.query(q.text, q.values)).rows as Record<string, unknown>[]);
      } catch (err) {
        throw Object.assign(new Error(`statement ${i} failed: ${(err as Error).message}`), { index: i });
      }
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
  return out;
}

interface Outcome {
  done: number;
  rows_staged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
}

let batchSeq = 0;

/** Runs the generated batch in one transaction on a fresh session, as the Data API would. */
async function merge(
  spec: MergeSpec,
  rows: (string | number | null)[][],
  opts: { batchId?: string; position?: string; stagedRows?: number; repair?: boolean } = {},
): Promise<{ outcome: Outcome; batchId: string; sqls: string[] }> {
  await ensureTarget(spec);
  const batchId = opts.batchId ?? `run-${++batchSeq}`;
  return withSession(async (c) => {
    const batch = rs.mergeBatch({
      spec,
      stateSchema: schema,
      target: await targetColumns(c, spec),
      manifestUrl: MANIFEST,
      copyRoleArn: ROLE,
      values: {
        batchId,
        pipeline: 'p',
        region: 'us',
        source: 'app/us',
        stream: 'public.src',
        rows: opts.stagedRows ?? rows.length,
        checksum: 'sha256:test',
        extractedAt: '2026-01-01T00:00:00Z',
        loadedAt: '2026-01-01T00:00:01Z',
        rangeFrom: null,
        rangeTo: opts.position ?? null,
        positions: opts.position ? [{ stream: 'public.src', position: opts.position }] : [],
        ...(opts.repair ? { repair: true } : {}),
      },
    });
    for (const s of batch.sqls) expect(byteLength(s)).toBeLessThan(MAX_STATEMENT_BYTES);
    const results = await runOnPostgres(c, batch.sqls, batch.parameters, new Map([[batch.at.copy, { table: rs.STAGE_TABLE, rows }]])).catch((err: unknown) => {
      throw Object.assign(err as Error, { at: batch.at });
    });
    const n = (v: unknown) => Number(v);
    const o = results[batch.at.result]![0] as unknown as Outcome;
    return {
      batchId,
      sqls: batch.sqls,
      outcome: { done: n(o.done), rows_staged: n(o.rows_staged), inserted: n(o.inserted), updated: n(o.updated), unchanged: n(o.unchanged), deleted: n(o.deleted), quarantined: n(o.quarantined) },
    };
  });
}

async function rowsOf(table: string, cols: string): Promise<Record<string, unknown>[]> {
  return withSession(async (c) => (await c.query<Record<string, unknown>>(`SELECT ${cols} FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)} ORDER BY id`)).rows);
}

beforeAll(async () => {
  await withSession(async (c) => {
    await c.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
    await c.query(`CREATE DOMAIN ${pg.escapeIdentifier(schema)}.super AS jsonb`);
    await c.query(`CREATE FUNCTION ${pg.escapeIdentifier(schema)}.json_serialize(jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1::text'`);
    await c.query(
      `CREATE FUNCTION ${pg.escapeIdentifier(schema)}.json_extract_path_text(character varying, VARIADIC text[]) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT json_extract_path_text($1::json, VARIADIC $2)'`,
    );
    for (const s of rs.stateTablesSql(schema)) await c.query(s);
    // A ledger created before the count check, upgraded as ensureState does.
    for (const s of rs.ledgerColumnSqls(schema, new Set())) await c.query(s);
    for (const s of offsetsStateTablesSql(schema)) await c.query(s);
  });
});

afterAll(async () => {
  await withSession((c) => c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`));
});

const factColumns = [
  { name: 'id', type: 'bigint' },
  { name: 'Note', type: 'text' },
  { name: 'code', type: 'character varying(2)' },
  { name: 'amount', type: 'numeric(12,2)' },
  { name: 'payload', type: 'jsonb' },
  { name: 'updated_at', type: 'timestamp with time zone' },
];
const factSpec = (table: string): MergeSpec => ({
  schema,
  table,
  columns: factColumns,
  stagedColumns: factColumns,
  key: ['id'],
  mode: { kind: 'upsert', version: 'updated_at' },
});
const T = (s: number) => `2026-01-01 00:00:${String(s).padStart(2, '0')}+00`;

describe('Redshift merge SQL, executed on PostgreSQL (facts: upsert with a version guard)', () => {
  const table = uniqueName('facts');
  const spec = factSpec(table);

  it('loads a batch; the same batch again is a no-op (ledger)', async () => {
    const rows = [
      [1, 'one, "quoted"\nline', 'ab', '1.50', '{"a":1}', T(1)],
      [2, null, null, null, null, T(1)],
      [3, 'three', 'cd', '3.00', '[1,2]', T(1)],
    ];
    const first = await merge(spec, rows, { batchId: 'fact-1', position: T(1) });
    expect(first.outcome).toEqual({ done: 0, rows_staged: 3, inserted: 3, updated: 0, unchanged: 0, deleted: 0, quarantined: 0 });
    const before = await rowsOf(table, 'id, note, code, amount, payload, _batch_id, _source');
    expect(before).toEqual([
      { id: '1', note: 'one, "quoted"\nline', code: 'ab', amount: '1.50', payload: { a: 1 }, _batch_id: 'fact-1', _source: 'app/us' },
      { id: '2', note: null, code: null, amount: null, payload: null, _batch_id: 'fact-1', _source: 'app/us' },
      { id: '3', note: 'three', code: 'cd', amount: '3.00', payload: [1, 2], _batch_id: 'fact-1', _source: 'app/us' },
    ]);

    const again = await merge(spec, rows.map((r) => [r[0]!, 'changed', ...r.slice(2)]), { batchId: 'fact-1', position: T(1) });
    expect(again.outcome).toEqual({ ...first.outcome, done: 1 });
    expect(await rowsOf(table, 'id, note, code, amount, payload, _batch_id, _source')).toEqual(before);
    const ledger = await withSession((c) => c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(schema)}.tributary_batches WHERE batch_id = 'fact-1'`));
    expect(ledger.rows[0]?.n).toBe(1);
  });

  it('version guard: older rows never replace newer ones; same version replaces only when different', async () => {
    const { outcome } = await merge(
      spec,
      [
        [1, 'older', 'ab', '9.99', '{"a":1}', T(0)], // older than the warehouse: ignored
        [2, null, null, null, null, T(1)], // same version, same content: unchanged
        [3, 'three', 'cd', '3.00', '[1,2,3]', T(1)], // same version, different jsonb: replaced
        [4, 'four', 'ef', '4.00', null, T(2)], // new key
      ],
      { position: T(2) },
    );
    expect(outcome).toMatchObject({ done: 0, inserted: 1, updated: 1, unchanged: 2, deleted: 0 });
    const rows = await rowsOf(table, 'id, note, payload, _batch_id');
    expect(rows.map((r) => [r.id, r.note, r.payload, r._batch_id])).toEqual([
      ['1', 'one, "quoted"\nline', { a: 1 }, 'fact-1'],
      ['2', null, null, 'fact-1'],
      ['3', 'three', [1, 2, 3], `run-${batchSeq}`],
      ['4', 'four', null, `run-${batchSeq}`],
    ]);
  });

  it('dedup: the newest version of a key in one batch wins', async () => {
    const { outcome } = await merge(spec, [
      [5, 'first', null, null, null, T(3)],
      [5, 'last', null, null, null, T(5)],
      [5, 'middle', null, null, null, T(4)],
    ]);
    // The two older versions are deduplicated, not unchanged (the ledger keeps both counts apart).
    expect(outcome).toMatchObject({ inserted: 1, updated: 0, unchanged: 0 });
    expect((await rowsOf(table, 'id, note')).find((r) => r.id === '5')).toEqual({ id: '5', note: 'last' });
  });

  it('refuses a key staged twice with the same version (the key is not unique), and writes nothing', async () => {
    const before = await rowsOf(table, '*');
    const err = (await merge(spec, [
      [6, 'a', null, null, null, T(6)],
      [6, 'b', null, null, null, T(6)],
    ]).catch((e: unknown) => e)) as { message: string; index: number; at: rs.MergeBatch['at'] };
    expect(err.index).toBe(err.at.uniqueCheck);
    expect(err.message).toContain('tributary: key appears twice in one batch: 6');
    expect(await rowsOf(table, '*')).toEqual(before);
  });

  it('refuses a batch whose COPY count differs from the staged count (the pg_last_copy_count check)', async () => {
    const err = (await merge(spec, [[7, 'x', null, null, null, T(7)]], { stagedRows: 2 }).catch((e: unknown) => e)) as { message: string; index: number; at: rs.MergeBatch['at'] };
    expect(err.index).toBe(err.at.countCheck);
    expect(err.message).toContain('tributary: COPY loaded 1 rows, the stage holds 2');
  });

  it('quarantines a value longer than its VARCHAR allows in bytes, and loads the rest', async () => {
    // "code" is varchar(2) at the source: VARCHAR(8) in bytes; five "é" are 10 bytes.
    const { outcome, batchId } = await merge(spec, [
      [8, 'fits', 'éé', null, null, T(8)],
      [9, 'too long', 'ééééé', null, null, T(8)],
    ]);
    expect(outcome).toMatchObject({ inserted: 1, quarantined: 1, unchanged: 0 });
    const q = await withSession((c) => c.query(`SELECT row_key, manifest FROM ${pg.escapeIdentifier(schema)}.tributary_quarantine WHERE batch_id = $1`, [batchId]));
    expect(q.rows).toEqual([{ row_key: '9', manifest: MANIFEST }]);
    expect((await rowsOf(table, 'id')).map((r) => r.id)).toContain('8');
    expect((await rowsOf(table, 'id')).map((r) => r.id)).not.toContain('9');
  });

  it('moves the checkpoint forward only', async () => {
    const position = async () =>
      (await withSession((c) => c.query<{ position: string }>(`SELECT position FROM ${pg.escapeIdentifier(schema)}.tributary_checkpoints WHERE pipeline = 'p' AND stream = 'public.src'`))).rows;
    expect(await position()).toEqual([{ position: T(2) }]);
    await merge(spec, [[10, 'x', null, null, null, T(9)]], { position: T(1) });
    expect(await position()).toEqual([{ position: T(2) }]);
    await merge(spec, [[11, 'y', null, null, null, T(9)]], { position: T(9) });
    expect(await position()).toEqual([{ position: T(9) }]);
  });
});

describe('Redshift merge SQL, executed on PostgreSQL (dimensions: snapshot by row hash)', () => {
  const dimColumns = [
    { name: 'id', type: 'integer' },
    { name: 'name', type: 'text' },
  ];
  const dimSpec = (table: string, deletes: 'hard' | 'soft'): MergeSpec => ({
    schema,
    table,
    columns: dimColumns,
    stagedColumns: [...dimColumns, { name: '_row_hash', type: 'text' }],
    key: ['id'],
    mode: { kind: 'snapshot', deletes },
  });

  it('hard deletes: changed rows replaced, unchanged left alone, missing keys deleted', async () => {
    const table = uniqueName('dim');
    const spec = dimSpec(table, 'hard');
    const first = await merge(spec, [
      [1, 'a', 'h1'],
      [2, 'b', 'h2'],
      [3, 'c', 'h3'],
    ]);
    expect(first.outcome).toMatchObject({ inserted: 3, updated: 0, deleted: 0 });
    const second = await merge(spec, [
      [1, 'a', 'h1'],
      [2, 'B', 'h2b'],
    ]);
    expect(second.outcome).toMatchObject({ inserted: 0, updated: 1, unchanged: 1, deleted: 1 });
    expect(await rowsOf(table, 'id, name, _batch_id')).toEqual([
      { id: 1, name: 'a', _batch_id: first.batchId },
      { id: 2, name: 'B', _batch_id: second.batchId },
    ]);
  });

  it('soft deletes: missing keys marked, a key that comes back is live again', async () => {
    const table = uniqueName('dim_soft');
    const spec = dimSpec(table, 'soft');
    await merge(spec, [
      [1, 'a', 'h1'],
      [2, 'b', 'h2'],
    ]);
    const gone = await merge(spec, [[1, 'a', 'h1']]);
    expect(gone.outcome).toMatchObject({ deleted: 1, unchanged: 1 });
    expect(await rowsOf(table, 'id, _deleted, _deleted_at')).toEqual([
      { id: 1, _deleted: false, _deleted_at: null },
      { id: 2, _deleted: true, _deleted_at: new Date('2026-01-01T00:00:01Z') },
    ]);
    const back = await merge(spec, [
      [1, 'a', 'h1'],
      [2, 'b', 'h2'],
    ]);
    expect(back.outcome).toMatchObject({ updated: 1, unchanged: 1, deleted: 0 });
    expect((await rowsOf(table, 'id, _deleted')).map((r) => r._deleted)).toEqual([false, false]);
  });
});

describe('Redshift merge SQL stays under 100 KB per statement, whatever the columns', () => {
  it('merges a 1,000-column table with 60-character column names', async () => {
    const columns = [{ name: 'id', type: 'bigint' }, ...Array.from({ length: 998 }, (_, i) => ({ name: `c_${String(i).padStart(3, '0')}_${'x'.repeat(54)}`, type: 'text' })), { name: 'v', type: 'integer' }];
    const spec: MergeSpec = { schema, table: uniqueName('wide'), columns, stagedColumns: columns, key: ['id'], mode: { kind: 'upsert', version: 'v' } };
    const row = (id: number, v: number, tag: string) => [id, ...columns.slice(1, -1).map((_, i) => `${tag}${i}`), v];
    const first = await merge(spec, [row(1, 1, 'a'), row(2, 1, 'a')]);
    expect(first.outcome).toMatchObject({ inserted: 2 });
    // Same version, one column changed: found by one of the grouped comparisons.
    const changed = row(1, 1, 'a');
    changed[900] = 'different';
    const second = await merge(spec, [changed, row(2, 1, 'a')]);
    expect(second.outcome).toMatchObject({ updated: 1, unchanged: 1 });
    expect(second.sqls.filter((s) => s.includes('SET _same = FALSE')).length).toBeGreaterThan(1);
    expect(Math.max(...second.sqls.map(byteLength))).toBeLessThan(MAX_STATEMENT_BYTES);
  });
});

describe('the S3 stage NULL marker through the Redshift COPY (NULL AS)', () => {
  it('keeps an empty string empty and NULL null, and a value equal to the marker stays that text', async () => {
    const table = uniqueName('nulls');
    const spec = factSpec(table);
    await merge(spec, [
      [1, '', '', null, null, T(1)],
      [2, null, null, null, null, T(1)],
      [3, STAGE_NULL, 'x', null, null, T(1)],
    ]);
    expect(await rowsOf(table, 'id, note, code')).toEqual([
      { id: '1', note: '', code: '' },
      { id: '2', note: null, code: null },
      { id: '3', note: STAGE_NULL, code: 'x' },
    ]);
  });
});

// --- Topic batches: offsets ledger guard, dedup by offset, dead letters, partial and stale batches.

const q = (t: string) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(t)}`;

async function ledgerOf(pipelineName: string, partition: number): Promise<number | null> {
  const r = await withSession((c) => c.query<{ next_offset: string }>(`SELECT next_offset FROM ${q('tributary_offsets')} WHERE pipeline = $1 AND kafka_partition = $2`, [pipelineName, partition]));
  return r.rows[0] ? Number(r.rows[0].next_offset) : null;
}

const topicUnit = (pipelineName: string, partition: number, from: number, to: number, committed: number | null, batchId: string): TopicUnit => ({
  kind: 'topic',
  pipeline: pipelineName,
  region: 'us',
  source: 'events/us/cell-1',
  stream: 'clicks',
  batchId,
  stagePrefix: `t/${batchId}`,
  checkpoint: null,
  cell: 'cell-1',
  topic: 'clicks',
  partition,
  from,
  to,
  committed,
  endOffset: to,
});

type Cells = (string | number | null)[][];

/** Decides from the ledger as the warehouse does, then runs the topic batch; `expected` overrides the ledger read (a stale decision). */
async function topicMerge(spec: TopicMergeSpec, unit: TopicUnit, rows: Cells, dead: Cells, opts: { expected?: number | null } = {}) {
  await withSession(async (c) => {
    const existing = await targetColumns(c, { ...factSpec(spec.table), schema: spec.schema });
    if (existing.length === 0) await c.query(createTopicTargetSql(spec));
  });
  const current = opts.expected !== undefined ? opts.expected : await ledgerOf(unit.pipeline, unit.partition);
  const decision = topicDecision(current, unit);
  if (decision.action === 'skip') return { skipped: true as const };
  const plan = topicMergeBatch({
    spec,
    stateSchema: schema,
    rowsManifestUrl: MANIFEST,
    deadManifestUrl: 's3://tributary-stage/test/dead.manifest.json',
    copyRoleArn: ROLE,
    values: {
      ...ledgerBatch(unit),
      rows: rows.length,
      deadLetters: dead.length,
      consumed: rows.length + dead.length,
      loadFrom: decision.from,
      from: unit.from,
      to: unit.to,
      checksum: 'sha256:t',
      extractedAt: '2026-01-01T00:00:00Z',
      loadedAt: '2026-01-01T00:00:01Z',
    },
    move: decision.move,
  });
  const out = await withSession((c) =>
    runOnPostgres(
      c,
      plan.sqls,
      plan.parameters,
      new Map([
        [plan.at.copyRows, { table: TOPIC_STAGE, rows }],
        [plan.at.copyDead, { table: TOPIC_DEAD, rows: dead }],
      ]),
    ),
  );
  const r = out[plan.at.result]![0]!;
  return { skipped: false as const, plan, counts: { rows: Number(r.rows_in), dead: Number(r.dead), inserted: Number(r.inserted), updated: Number(r.updated) } };
}

const ts = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}Z`;

describe('Redshift topic merge SQL, executed on PostgreSQL', () => {
  const table = uniqueName('clicks');
  const spec: TopicMergeSpec = {
    schema,
    table,
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'text' },
      { name: 'raw', type: 'jsonb' },
    ],
    key: ['id'],
  };
  const rowsOfTopic = () => withSession(async (c) => (await c.query<Record<string, unknown>>(`SELECT id, name, raw, kafka_partition, kafka_offset, _cell FROM ${q(table)} ORDER BY id`)).rows);

  it('upserts the newest message per key, keeps "" apart from NULL, writes dead letters, the batch ledger and the next offset', async () => {
    const r = await topicMerge(
      spec,
      topicUnit('clicks', 0, 0, 5, null, 'topic-1'),
      [
        [1, 'first', '{"id":1}', 0, 0, ts(0)],
        [2, '', '{"id":2}', 0, 1, ts(1)],
        [1, 'newest', '{"id":1,"v":2}', 0, 3, ts(3)],
        [3, null, '{"id":3}', 0, 4, ts(4)],
      ],
      [[0, 2, ts(2), null, '\\x7b', 'not-json', null, 'Unexpected end of JSON input']],
    );
    expect(r.skipped).toBe(false);
    if (r.skipped) return;
    expect(r.counts).toEqual({ rows: 4, dead: 1, inserted: 3, updated: 0 });
    expect(await rowsOfTopic()).toEqual([
      { id: '1', name: 'newest', raw: { id: 1, v: 2 }, kafka_partition: 0, kafka_offset: '3', _cell: 'cell-1' },
      { id: '2', name: '', raw: { id: 2 }, kafka_partition: 0, kafka_offset: '1', _cell: 'cell-1' },
      { id: '3', name: null, raw: { id: 3 }, kafka_partition: 0, kafka_offset: '4', _cell: 'cell-1' },
    ]);
    expect(await ledgerOf('clicks', 0)).toBe(5);
    const dead = await withSession((c) => c.query(`SELECT kafka_offset, message_value, reason FROM ${q('tributary_dead_letters')} WHERE batch_id = 'topic-1'`));
    expect(dead.rows).toEqual([{ kafka_offset: '2', message_value: '\\x7b', reason: 'not-json' }]);
    const ledger = await withSession((c) => c.query(`SELECT rows_staged, inserted, updated, unchanged, range_from, range_to FROM ${q('tributary_batches')} WHERE batch_id = 'topic-1'`));
    // Staged: 4 rows and 1 dead letter; of the rows, key 1's older message is deduplicated.
    expect(ledger.rows).toEqual([{ rows_staged: '5', inserted: '3', updated: '0', unchanged: '0', range_from: '0', range_to: '5' }]);
    const proof = await withSession((c) => c.query(`SELECT rows_read, deduplicated, dead_lettered FROM ${q('tributary_batches')} WHERE batch_id = 'topic-1'`));
    expect(proof.rows).toEqual([{ rows_read: '5', deduplicated: '1', dead_lettered: '1' }]);
  });

  it('a retried batch: the ledger says skip; submitted anyway, the guard fails it and nothing changes', async () => {
    const unit = topicUnit('clicks', 0, 0, 5, null, 'topic-1');
    expect(await topicMerge(spec, unit, [], [])).toEqual({ skipped: true });
    const before = await rowsOfTopic();
    const err = (await topicMerge(spec, unit, [[1, 'again', '{}', 0, 0, ts(0)]], [], { expected: null }).catch((e: unknown) => e)) as { message: string };
    expect(err.message).toContain('tributary: batch already committed');
    expect(await rowsOfTopic()).toEqual(before);
    expect(await ledgerOf('clicks', 0)).toBe(5);
  });

  it('a stale decision (the ledger moved after it was read) fails the guard and writes nothing', async () => {
    const before = await rowsOfTopic();
    const err = (await topicMerge(spec, topicUnit('clicks', 0, 4, 7, 4, 'topic-stale'), [[9, 'x', '{}', 0, 5, ts(5)]], [], { expected: 4 }).catch((e: unknown) => e)) as {
      message: string;
    };
    expect(err.message).toContain('tributary: the offsets ledger moved since the batch was planned (partition 0)');
    expect(await rowsOfTopic()).toEqual(before);
  });

  it('an overlapping batch loads only the offsets the ledger lacks; a replaced key counts as an update', async () => {
    // Planned from 3 after 3, but another run committed up to 5: offsets 3 and 4 are dropped.
    const r = await topicMerge(spec, topicUnit('clicks', 0, 3, 7, 3, 'topic-2'), [
      [1, 'dropped', '{}', 0, 3, ts(3)],
      [3, 'dropped', '{}', 0, 4, ts(4)],
      [3, 'three', '{"id":3,"v":2}', 0, 5, ts(5)],
      [4, 'four', '{"id":4}', 0, 6, ts(6)],
    ], []);
    if (r.skipped) throw new Error('expected a load');
    expect(r.counts).toEqual({ rows: 2, dead: 0, inserted: 1, updated: 1 });
    expect((await rowsOfTopic()).map((x) => [x.id, x.name])).toEqual([
      ['1', 'newest'],
      ['2', ''],
      ['3', 'three'],
      ['4', 'four'],
    ]);
    expect(await ledgerOf('clicks', 0)).toBe(7);
  });

  it('a key from another partition replaces only a row with an older (or no) timestamp', async () => {
    const r = await topicMerge(spec, topicUnit('clicks', 1, 0, 2, null, 'topic-3'), [
      [4, 'older elsewhere', '{}', 1, 0, ts(1)],
      [2, 'newer elsewhere', '{}', 1, 1, ts(9)],
    ], []);
    if (r.skipped) throw new Error('expected a load');
    expect(r.counts).toMatchObject({ inserted: 0, updated: 1 });
    expect((await rowsOfTopic()).map((x) => [x.id, x.name, x.kafka_partition])).toEqual([
      ['1', 'newest', 0],
      ['2', 'newer elsewhere', 1],
      ['3', 'three', 0],
      ['4', 'four', 0],
    ]);
  });

  it('append-only: every message is a row, and offsets lost to retention are recorded', async () => {
    const appendSpec: TopicMergeSpec = { ...spec, table: uniqueName('clicks_append'), key: null };
    const first = await topicMerge(appendSpec, topicUnit('clicks-append', 0, 0, 2, null, 'append-1'), [
      [1, 'a', '{}', 0, 0, ts(0)],
      [1, 'a', '{}', 0, 1, ts(1)],
    ], []);
    if (first.skipped) throw new Error('expected a load');
    expect(first.counts).toEqual({ rows: 2, dead: 0, inserted: 2, updated: 0 });
    // The ledger is at 2 but the cluster now starts at 10: offsets 2 to 9 were lost.
    const second = await topicMerge(appendSpec, topicUnit('clicks-append', 0, 10, 11, 2, 'append-2'), [[2, 'b', '{}', 0, 10, ts(2)]], []);
    if (second.skipped) throw new Error('expected a load');
    const gap = await withSession((c) => c.query(`SELECT kafka_offset, reason, detail FROM ${q('tributary_dead_letters')} WHERE batch_id = 'append-2'`));
    expect(gap.rows).toEqual([{ kafka_offset: '2', reason: 'retention-gap', detail: "offsets 2 to 9 were deleted by the cluster's retention before they were loaded" }]);
    expect(await withSession(async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${q(appendSpec.table)}`)).rows[0]!.n)).toBe(3);
    expect(await ledgerOf('clicks-append', 0)).toBe(11);
  });
});

// --- CDC batches: LSN version guard, hard and soft deletes, unchanged TOASTed values, key moves.

const cdcUnit = (pipelineName: string, ranges: CdcRange[], batchId: string): CdcUnit => ({
  kind: 'cdc',
  pipeline: pipelineName,
  region: 'us',
  source: 'events/us/cell-1',
  stream: 'app.public.orders',
  batchId,
  stagePrefix: `c/${batchId}`,
  checkpoint: null,
  cell: 'cell-1',
  topic: 'app.public.orders',
  ranges,
});

async function ledgerMap(pipelineName: string): Promise<Map<number, number | null>> {
  const r = await withSession((c) => c.query<{ kafka_partition: number; next_offset: string }>(`SELECT kafka_partition, next_offset FROM ${q('tributary_offsets')} WHERE pipeline = $1`, [pipelineName]));
  return new Map(r.rows.map((x) => [x.kafka_partition, Number(x.next_offset)]));
}

let cdcSeq = 0;
/** One partition's next range after the ledger, and the batch applied as the warehouse does it. */
async function cdcMerge(spec: RedshiftCdcSpec, pipelineName: string, rows: Cells, opts: { batchId?: string; expected?: Map<number, number | null>; heal?: CdcHeal; dead?: Cells } = {}) {
  await withSession(async (c) => {
    if ((await targetColumns(c, { ...factSpec(spec.table), schema: spec.schema })).length === 0) await c.query(createCdcTargetSql(spec));
    if ((await targetColumns(c, { ...factSpec(movedTableName(spec.schema, spec.table)), schema })).length === 0) await c.query(createMovedTableSql(spec, schema));
  });
  // Planned after the ledger as read now, or as `expected` says (a decision made on a stale read).
  const current = opts.expected ?? new Map([[0, (await ledgerMap(pipelineName)).get(0) ?? null]]);
  const from = current.get(0) ?? 0;
  const events = rows.length + (opts.dead?.length ?? 0);
  const unit = cdcUnit(pipelineName, [{ partition: 0, from, to: from + events, committed: current.get(0) ?? null, endOffset: from + events }], opts.batchId ?? `cdc-${++cdcSeq}`);
  if (cdcDecision(unit, current) === 'skip') return { skipped: true as const };
  const plan = cdcMergeBatch({
    spec,
    stateSchema: schema,
    manifestUrl: rows.length ? MANIFEST : null,
    copyRoleArn: ROLE,
    values: {
      ...ledgerBatch(unit),
      rows: rows.length,
      rangeFrom: `0:${from}`,
      rangeTo: `0:${from + events}`,
      checksum: 'sha256:c',
      extractedAt: '2026-01-01T00:00:00Z',
      loadedAt: '2026-01-01T00:00:01Z',
      expireBefore: '2025-12-25T00:00:01Z',
      events: rows.length,
    },
    moves: cdcMoves(unit.ranges, current),
    ...(opts.heal ? { heal: opts.heal } : {}),
    ...(opts.dead ? { dead: { manifestUrl: MANIFEST, count: opts.dead.length } } : {}),
  });
  const copies = new Map([[plan.at.copy, { table: CDC_STAGE, rows }]]);
  if (opts.dead) copies.set(plan.at.copyDead, { table: TOPIC_DEAD, rows: opts.dead });
  const out = await withSession((c) => runOnPostgres(c, plan.sqls, plan.parameters, copies));
  const r = out[plan.at.result]![0]!;
  return { skipped: false as const, plan, counts: { rows: Number(r.rows_in), inserted: Number(r.inserted), updated: Number(r.updated), deleted: Number(r.deleted) } };
}

describe('Redshift CDC merge SQL, executed on PostgreSQL', () => {
  const cdcColumns = [
    { name: 'id', type: 'bigint' },
    { name: 'note', type: 'text' },
    { name: 'big', type: 'text' },
    { name: 'qty', type: 'integer' },
  ];
  const cdcSpec = (table: string, deletes: 'hard' | 'soft'): RedshiftCdcSpec => ({ schema, table, columns: cdcColumns, written: cdcColumns, key: ['id'], deletes });
  const table = uniqueName('orders_cdc');
  const spec = cdcSpec(table, 'hard');
  const rowsOfCdc = (t = table) => withSession(async (c) => (await c.query<Record<string, unknown>>(`SELECT id, note, big, qty, _lsn FROM ${q(t)} ORDER BY id`)).rows);
  const TS = '2026-01-01T00:00:00Z';

  it('upserts, then applies the newest change behind the LSN guard: an older event changes nothing', async () => {
    const first = await cdcMerge(spec, 'orders-cdc', [
      [1, 'one', 'B1', 1, 'u', 100, TS, null],
      [2, 'two', 'B2', 2, 'u', 100, TS, null],
      [3, '', 'B3', null, 'u', 100, TS, null],
    ]);
    if (first.skipped) throw new Error('expected a load');
    expect(first.counts).toEqual({ rows: 3, inserted: 3, updated: 0, deleted: 0 });
    const second = await cdcMerge(spec, 'orders-cdc', [
      [1, 'stale', 'old', 0, 'u', 50, TS, null], // older than the warehouse row: ignored
      [2, 'two v2', 'B2', 22, 'u', 200, TS, null],
      [3, null, null, null, 'd', 90, TS, null], // a replayed old delete: ignored
    ]);
    if (second.skipped) throw new Error('expected a load');
    expect(second.counts).toEqual({ rows: 3, inserted: 0, updated: 1, deleted: 0 });
    expect(await rowsOfCdc()).toEqual([
      { id: '1', note: 'one', big: 'B1', qty: 1, _lsn: '100' },
      { id: '2', note: 'two v2', big: 'B2', qty: 22, _lsn: '200' },
      { id: '3', note: '', big: 'B3', qty: null, _lsn: '100' },
    ]);
    expect(await ledgerMap('orders-cdc')).toEqual(new Map([[0, 6]]));
  });

  it('writes the dead letters of a batch beside its changes, counted read, staged and dead-lettered', async () => {
    const deadSpec = cdcSpec(uniqueName('orders_cdc_dead'), 'hard');
    const r = await cdcMerge(deadSpec, 'orders-cdc-dead', [[7, 'seven', 'B7', 7, 'u', 700, TS, null]], {
      batchId: 'cdc-dead-1',
      dead: [
        [0, 1, TS, '\\x7b7d', '\\x6e6f', 'undecodable', null, 'the value is not JSON'],
        [0, 2, TS, null, null, 'skipped by operator', null, 'passed over with tributary cdc skip'],
      ],
    });
    if (r.skipped) throw new Error('expected a load');
    expect(r.counts).toEqual({ rows: 1, inserted: 1, updated: 0, deleted: 0 });
    const dead = await withSession((c) => c.query(`SELECT cell, kafka_offset, message_value, reason, detail FROM ${q('tributary_dead_letters')} WHERE batch_id = 'cdc-dead-1' ORDER BY kafka_offset`));
    expect(dead.rows).toEqual([
      { cell: 'cell-1', kafka_offset: '1', message_value: '\\x6e6f', reason: 'undecodable', detail: 'the value is not JSON' },
      { cell: 'cell-1', kafka_offset: '2', message_value: null, reason: 'skipped by operator', detail: 'passed over with tributary cdc skip' },
    ]);
    const ledger = await withSession((c) => c.query(`SELECT rows_read, rows_staged, inserted, dead_lettered FROM ${q('tributary_batches')} WHERE batch_id = 'cdc-dead-1'`));
    expect(ledger.rows).toEqual([{ rows_read: '3', rows_staged: '3', inserted: '1', dead_lettered: '2' }]);
    expect(await ledgerMap('orders-cdc-dead')).toEqual(new Map([[0, 3]]));
  });

  it('fills an unchanged TOASTed value from the warehouse row, and a newer delete deletes', async () => {
    const r = await cdcMerge(spec, 'orders-cdc', [
      [2, 'two v3', null, 23, 'u', 250, TS, '{"big":{"id":"2"}}'],
      [3, null, null, null, 'd', 300, TS, null],
    ]);
    if (r.skipped) throw new Error('expected a load');
    expect(r.counts).toEqual({ rows: 2, inserted: 0, updated: 1, deleted: 1 });
    expect(await rowsOfCdc()).toEqual([
      { id: '1', note: 'one', big: 'B1', qty: 1, _lsn: '100' },
      { id: '2', note: 'two v3', big: 'B2', qty: 23, _lsn: '250' },
    ]);
  });

  it('a primary-key change: the old row goes, is kept, and fills the new key in a later batch', async () => {
    const moved = await cdcMerge(spec, 'orders-cdc', [[1, 'one', null, 1, 'm', 400, TS, '{"big":{"id":"1"}}']]);
    if (moved.skipped) throw new Error('expected a load');
    expect(moved.counts).toMatchObject({ deleted: 1 });
    expect((await rowsOfCdc()).map((x) => x.id)).toEqual(['2']);
    // What the extract asks before cutting partitions: the LSN old key 1 was moved at.
    const lsns = await withSession((c) => {
      const sql = positional(movedLsnsSql(schema, { schema, table }, ['id'], 2), [
        { name: 'source', value: 'events/us/cell-1' },
        { name: 'oldkey_0_0', value: '1' },
        { name: 'oldkey_1_0', value: '77' },
      ]);
      return c.query(sql.text, sql.values);
    });
    expect(lsns.rows).toEqual([{ k_0: '1', lsn: '400' }]);
    const created = await cdcMerge(spec, 'orders-cdc', [[10, 'ten', null, 10, 'u', 400, TS, '{"big":{"id":"1"}}']]);
    if (created.skipped) throw new Error('expected a load');
    expect(await rowsOfCdc()).toEqual([
      { id: '2', note: 'two v3', big: 'B2', qty: 23, _lsn: '250' },
      { id: '10', note: 'ten', big: 'B1', qty: 10, _lsn: '400' },
    ]);
  });

  it('a retried batch is skipped by the ledger; submitted anyway, the guard refuses it', async () => {
    const before = await rowsOfCdc();
    const ledger = await ledgerMap('orders-cdc');
    const stale = new Map([[0, ledger.get(0)! - 1]]);
    const err = (await cdcMerge(spec, 'orders-cdc', [[2, 'again', 'x', 0, 'u', 999, TS, null]], { expected: stale }).catch((e: unknown) => e)) as { message: string };
    expect(err.message).toContain('tributary: the offsets ledger moved since the batch was planned');
    expect(await rowsOfCdc()).toEqual(before);
    expect(await ledgerMap('orders-cdc')).toEqual(ledger);
  });

  it('soft deletes mark the row (and its LSN); a newer upsert makes it live again, an older one does not', async () => {
    const softTable = uniqueName('orders_soft');
    const soft = cdcSpec(softTable, 'soft');
    const live = () => withSession(async (c) => (await c.query<Record<string, unknown>>(`SELECT id, note, _deleted, _lsn FROM ${q(softTable)} ORDER BY id`)).rows);
    await cdcMerge(soft, 'orders-soft', [[1, 'a', 'x', 1, 'u', 10, TS, null]]);
    const del = await cdcMerge(soft, 'orders-soft', [[1, null, null, null, 'd', 20, TS, null]]);
    if (del.skipped) throw new Error('expected a load');
    expect(del.counts).toMatchObject({ deleted: 1 });
    expect(await live()).toEqual([{ id: '1', note: 'a', _deleted: true, _lsn: '20' }]);
    await cdcMerge(soft, 'orders-soft', [[1, 'older', 'x', 1, 'u', 15, TS, null]]);
    expect(await live()).toEqual([{ id: '1', note: 'a', _deleted: true, _lsn: '20' }]);
    await cdcMerge(soft, 'orders-soft', [[1, 'back', 'x', 1, 'u', 30, TS, null]]);
    expect(await live()).toEqual([{ id: '1', note: 'back', _deleted: false, _lsn: '30' }]);
  });
});

describe('PostgreSQL arrays staged for Redshift', () => {
  it('are read as JSON (array_to_json) and load into SUPER with their element types and nesting', async () => {
    const src = uniqueName('arr_src');
    const columns = [
      { name: 'id', type: 'bigint' },
      { name: 'tags', type: 'text[]' },
      { name: 'grid', type: 'integer[]' },
      { name: 'updated_at', type: 'timestamp with time zone' },
    ];
    // The source read, as the extract does it with stagedSelectList for a Redshift warehouse.
    const staged = await withSession(async (c) => {
      await c.query(`CREATE TABLE ${q(src)} (id bigint, tags text[], grid integer[], updated_at timestamptz)`);
      await c.query(`INSERT INTO ${q(src)} VALUES (1, ARRAY['a b', 'c,"d"', NULL], ARRAY[[1,2],[3,4]], '2026-01-01T00:00:00Z'), (2, NULL, '{}', '2026-01-01T00:00:00Z')`);
      const chunks: Buffer[] = [];
      const copy = c.query(copyTo(`COPY (SELECT ${stagedSelectList(columns, stagedColumnsOptions(REDSHIFT_CAPABILITIES))} FROM ${q(src)} ORDER BY id) TO STDOUT WITH (FORMAT csv)`));
      for await (const chunk of copy) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString();
    });
    const rows = parseCsv(staged);
    const table = uniqueName('arr');
    const spec: MergeSpec = { schema, table, columns, stagedColumns: columns, key: ['id'], mode: { kind: 'upsert', version: 'updated_at' } };
    await merge(spec, rows);
    expect(await rowsOf(table, 'id, tags, grid')).toEqual([
      { id: '1', tags: ['a b', 'c,"d"', null], grid: [[1, 2], [3, 4]] },
      { id: '2', tags: null, grid: [] },
    ]);
  });
});

// --- CDC heals: snapshot epochs in the ledger, a snapshot's gap deletes, a truncate.

describe('Redshift CDC heal SQL, executed on PostgreSQL', () => {
  const columns = [
    { name: 'id', type: 'bigint' },
    { name: 'note', type: 'text' },
  ];
  const TS = '2026-01-01T00:00:00Z';
  const heal = (h: Partial<CdcHeal> = {}): CdcHeal => ({ raise: true, truncateVersion: null, closeBelow: null, epochs: [], ...h });
  for (const deletes of ['hard', 'soft'] as const) {
    it(`${deletes} deletes: a closing snapshot repairs and deletes, the ledger epoch raises later changes, a truncate empties`, async () => {
      await withSession(async (c) => {
        for (const stmt of cdcHealTablesSql(schema)) await c.query(stmt);
      });
      const table = uniqueName(`heal_${deletes}`);
      const spec: RedshiftCdcSpec = { schema, table, columns, written: columns, key: ['id'], deletes };
      const pipelineName = `heal-${deletes}-${table}`;
      const live = deletes === 'soft' ? ' WHERE NOT _deleted' : '';
      const liveRows = async () => (await withSession((c) => c.query<Record<string, unknown>>(`SELECT id, note, _lsn FROM ${q(table)}${live} ORDER BY id`))).rows;
      const liveIds = async () => (await withSession((c) => c.query<{ id: string }>(`SELECT id FROM ${q(table)}${live} ORDER BY id`))).rows.map((r) => r.id);
      // Streamed before the gap: id 1 to 4 at LSN 100 (partition 0).
      await cdcMerge(spec, pipelineName, [1, 2, 3, 4].map((i) => [i, `streamed ${i}`, 'u', 100, TS, null, 0]), { heal: heal() });
      // The re-snapshot at 500 emits 1 and 2 (not 3, 4: deleted in the gap); a change of 5 sent after it is raised to 500 by the extract.
      const snap = await cdcMerge(
        spec,
        pipelineName,
        [
          [1, 'snapshot 1', 'u', 500, TS, null, null],
          [2, 'snapshot 2', 'u', 500, TS, null, null],
          [5, 'after the snapshot', 'u', 500, TS, null, 0],
        ],
        { heal: heal({ closeBelow: '500', epochs: [{ partition: 0, lsn: '500' }], snapshot: null }) },
      );
      if (snap.skipped) throw new Error('expected a load');
      expect(snap.counts.deleted).toBe(2);
      expect(await liveIds()).toEqual(['1', '2', '5']);
      const epochs = await withSession((c) => c.query(`SELECT kafka_partition, epoch_lsn::text AS lsn FROM ${q('tributary_cdc_epochs')} WHERE pipeline = $1`, [pipelineName]));
      expect(epochs.rows).toEqual([{ kafka_partition: 0, lsn: '500' }]);
      // A transaction open at the snapshot commits later: LSN 490, raised to the ledger's epoch, it wins over the snapshot row.
      await cdcMerge(spec, pipelineName, [[1, 'open across the snapshot', 'u', 490, TS, null, 0]], { heal: heal() });
      expect((await liveRows()).find((r) => r.id === '1')).toMatchObject({ note: 'open across the snapshot', _lsn: '500' });
      // A truncate at 600, then an insert at 700 in the same batch: exactly the new row remains.
      const truncated = await cdcMerge(spec, pipelineName, [[7, 'after the truncate', 'u', 700, TS, null, 0]], { heal: heal({ truncateVersion: '600' }) });
      if (truncated.skipped) throw new Error('expected a load');
      expect(truncated.counts).toMatchObject({ inserted: 1, deleted: 3 });
      expect(await liveIds()).toEqual(['7']);
      if (deletes === 'soft') {
        const marked = await withSession((c) => c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${q(table)} WHERE _deleted AND _deleted_at IS NOT NULL`));
        expect(marked.rows[0]!.n).toBe(5);
      }
      // The open snapshot kept, then cleared.
      await cdcMerge(spec, pipelineName, [], { heal: heal({ snapshot: { lsn: '900', closing: true, markPartition: 0 } }) });
      const open = await withSession((c) => c.query(`SELECT snapshot_lsn::text AS lsn, closing, mark_partition FROM ${q('tributary_cdc_snapshots')} WHERE pipeline = $1`, [pipelineName]));
      expect(open.rows).toEqual([{ lsn: '900', closing: true, mark_partition: 0 }]);
      await cdcMerge(spec, pipelineName, [], { heal: heal({ snapshot: null }) });
      expect((await withSession((c) => c.query(`SELECT 1 FROM ${q('tributary_cdc_snapshots')} WHERE pipeline = $1`, [pipelineName]))).rows).toEqual([]);
    });
  }
});

/** PostgreSQL CSV (as COPY TO writes it) back into cells: NULL is an empty unquoted field. */
function parseCsv(text: string): (string | null)[][] {
  const out: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (text[i] === '"') break;
        else v += text[i++];
      }
      row.push(v);
      i++;
    } else {
      const end = text.slice(i).search(/[,\n]/);
      const v = text.slice(i, i + end);
      row.push(v === '' ? null : v);
      i += end;
    }
    if (text[i] === '\n') {
      out.push(row);
      row = [];
    }
    i++;
  }
  return out;
}

describe('Redshift merge SQL proves its counts, executed on PostgreSQL', () => {
  const ledgerRow = (batchId: string) =>
    withSession(async (c) => (await c.query<Record<string, string | null>>(`SELECT * FROM ${q('tributary_batches')} WHERE batch_id = $1`, [batchId])).rows[0]!);
  const addsUp = (r: Record<string, string | null>) => {
    const n = (k: string) => Number(r[k] ?? 'NaN');
    expect(n('inserted') + n('updated') + n('unchanged') + n('deduplicated') + n('dead_lettered') + n('deleted') - n('deleted_absent')).toBe(n('rows_read'));
  };

  it('facts: rows read, older versions of a key deduplicated, unchanged rows measured, in the ledger row', async () => {
    const spec = factSpec(uniqueName('facts_counts'));
    const first = await merge(spec, [
      [1, 'old', null, null, null, T(1)],
      [1, 'new', null, null, null, T(2)],
      [2, 'two', null, null, null, T(1)],
    ]);
    const a = await ledgerRow(first.batchId);
    expect(a).toMatchObject({ rows_read: '3', rows_staged: '3', inserted: '2', deduplicated: '1', unchanged: '0', dead_lettered: '0', target_rows: null, drift_rows: null });
    addsUp(a);
    const second = await merge(spec, [
      [1, 'new', null, null, null, T(2)],
      [2, 'TWO', null, null, null, T(3)],
    ]);
    const b = await ledgerRow(second.batchId);
    expect(b).toMatchObject({ rows_read: '2', inserted: '0', updated: '1', unchanged: '1', deduplicated: '0' });
    addsUp(b);
  });

  it('a COPY count other than the extract wrote fails the count check (Redshift names it as cut short)', async () => {
    const spec = factSpec(uniqueName('facts_cut'));
    const err = (await merge(spec, [[1, 'x', null, null, null, T(1)]], { stagedRows: 5 }).catch((e: unknown) => e)) as { index: number; at: rs.MergeBatch['at'] };
    expect(err.index).toBe(err.at.countCheck);
    expect(await withSession(async (c) => (await c.query(`SELECT 1 FROM ${q('tributary_batches')} WHERE target = $1`, [`${spec.schema}.${spec.table}`])).rowCount)).toBe(0);
  });

  const dimSpec = (table: string): MergeSpec => ({
    schema,
    table,
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
    ],
    stagedColumns: [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
      { name: '_row_hash', type: 'text' },
    ],
    key: ['id'],
    mode: { kind: 'snapshot', deletes: 'hard' },
  });

  it('dimensions: a whole read records the target rows; rows deleted by hand show as drift the next time, and are written back', async () => {
    const table = uniqueName('dim_drift');
    const spec = dimSpec(table);
    const rows = [
      [1, 'a', 'h1'],
      [2, 'b', 'h2'],
      [3, 'c', 'h3'],
    ];
    const first = await merge(spec, rows);
    const a = await ledgerRow(first.batchId);
    expect(a).toMatchObject({ rows_read: '3', target_rows: '3', drift_rows: null });
    addsUp(a);
    await withSession((c) => c.query(`DELETE FROM ${q(table)} WHERE id = 2`));
    const second = await merge(spec, rows);
    const b = await ledgerRow(second.batchId);
    expect(b).toMatchObject({ inserted: '1', unchanged: '2', target_rows: '3', drift_rows: '-1' });
    addsUp(b);
    // A key gone at the source: deleted as absent, still adding up; a repair batch records no drift.
    await withSession((c) => c.query(`DELETE FROM ${q(table)} WHERE id = 1`));
    const third = await merge(spec, rows.slice(1), { repair: true });
    const r = await ledgerRow(third.batchId);
    expect(r).toMatchObject({ rows_read: '2', deleted: '0', target_rows: '2', drift_rows: null });
    const fourth = await merge(spec, rows.slice(2));
    const d = await ledgerRow(fourth.batchId);
    expect(d).toMatchObject({ rows_read: '1', deleted: '1', deleted_absent: '1', target_rows: '1', drift_rows: '0' });
    addsUp(d);
  });
});

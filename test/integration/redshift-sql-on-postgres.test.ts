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
// - Data API named parameters (:name) become $n bind parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import * as rs from '../../activities/warehouse/redshift/merge-sql.js';
import { modeColumns, type MergeSpec } from '../../activities/warehouse/postgres/merge-sql.js';
import { declaredVarcharBytes } from '../../activities/warehouse/redshift/types.js';
import { byteLength, MAX_STATEMENT_BYTES } from '../../activities/warehouse/redshift/statement-size.js';
import { STACK, connect, uniqueName } from './stack.js';

const schema = uniqueName('rs_sql');
const MANIFEST = 's3://tributary-stage/test/batch.manifest.json';
const ROLE = 'arn:aws:iam::123456789012:role/tributary-load';

/** :name -> $n outside quoted text and identifiers; returns the SQL and the values in order. */
function positional(sql: string, params: rs.Param[]): { text: string; values: string[] } {
  const byName = new Map(params.map((p) => [p.name, p.value]));
  const order: string[] = [];
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote) {
      out += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
      continue;
    }
    const m = ch === ':' && sql[i - 1] !== ':' ? /^:([a-z_][a-z0-9_]*)/.exec(sql.slice(i)) : null;
    if (m) {
      const name = m[1]!;
      if (!byName.has(name)) throw new Error(`statement uses :${name}, which the batch does not pass`);
      let n = order.indexOf(name);
      if (n < 0) n = order.push(name) - 1;
      out += `$${n + 1}`;
      i += name.length;
      continue;
    }
    out += ch;
  }
  return { text: out, values: order.map((n) => byName.get(n)!) };
}

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
  opts: { batchId?: string; position?: string; stagedRows?: number } = {},
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
      },
    });
    for (const s of batch.sqls) expect(byteLength(s)).toBeLessThan(MAX_STATEMENT_BYTES);
    await c.query('BEGIN');
    let result: Outcome | undefined;
    try {
      for (const [i, sql] of batch.sqls.entries()) {
        if (i === batch.at.copy) {
          await pipeline(Readable.from([csv(rows)]), c.query(copyFrom(`COPY ${rs.STAGE_TABLE} FROM STDIN WITH (FORMAT csv)`)));
          continue;
        }
        const local = i === batch.at.countCheck ? sql.replaceAll('pg_last_copy_count()', `(SELECT COUNT(*) FROM ${rs.STAGE_TABLE})`) : sql;
        const q = positional(local, batch.parameters);
        try {
          const res = await c.query(q.text, q.values);
          if (i === batch.at.result) result = res.rows[0] as Outcome;
        } catch (err) {
          throw Object.assign(new Error(`statement ${i} failed: ${(err as Error).message}`), { index: i, at: batch.at });
        }
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
    const n = (v: unknown) => Number(v);
    const o = result!;
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
    for (const s of rs.stateTablesSql(schema)) await c.query(s);
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
    expect(outcome).toMatchObject({ inserted: 1, updated: 0, unchanged: 2 });
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

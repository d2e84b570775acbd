// Topic and CDC merges on the Redshift warehouse at the Data API boundary. Redshift cannot run
// here: the Data API client is replaced by aws-sdk-client-mock (scripted answers per SQL), and the
// S3 client is never called (one staged file per manifest needs no combined manifest). What is
// checked: what is sent, in which order, with which parameters, and how answers and failures are
// turned into results and errors. The same SQL runs for real on PostgreSQL in
// test/integration/redshift-sql-on-postgres.test.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  ListStatementsCommand,
  type DescribeStatementResponse,
  type Field,
  type SubStatementData,
} from '@aws-sdk/client-redshift-data';
import { ApplicationFailure } from '@temporalio/common';
import { oldKeyId } from '../../activities/merge-rules/key-id.js';
import type { CdcUnit, StagedCdcBatch, StagedTopicBatch, TopicUnit } from '../../activities/types.js';
import type { TopicMergeSpec } from '../../activities/warehouse/postgres/topic-merge-sql.js';

import { cfg, mockDataApi, num, redshiftWarehouse, str } from './redshift-fixtures.js';

const redshift = mockDataApi();

const result = (names: string[], rows: Field[][]) => ({ ColumnMetadata: names.map((name) => ({ name })), Records: rows });

interface Script {
  /** Columns information_schema has for a table name (absent: the table does not exist). */
  tables?: Record<string, string[]>;
  /** Per table name and column: data_type, character_maximum_length, numeric_precision, numeric_scale (else VARCHAR(256)). */
  types?: Record<string, Record<string, [string, number | null, number | null, number | null]>>;
  ledgerHit?: boolean;
  offsets?: [number, number][];
  moved?: [string, string][];
  /** The open snapshot (lsn, closing, mark partition) and the snapshot epochs (partition, lsn) in the ledger. */
  snapshot?: [string, boolean, number | null];
  epochs?: [number, string][];
  /** The CDC skip list (partition, offset). */
  skips?: [number, number][];
  /** How the merge batch ends. */
  batch?: Partial<DescribeStatementResponse>;
  counts?: Record<string, number>;
}

function scripted(s: Script) {
  const executed: { Sql: string; Parameters?: { name?: string; value?: string }[] }[] = [];
  const batches: { Sqls: string[]; StatementName?: string; Parameters?: { name?: string; value?: string }[] }[] = [];
  const sqlOf = new Map<string, { Sql: string; Parameters?: { name?: string; value?: string }[] }>();
  let n = 0;
  redshift.on(ExecuteStatementCommand).callsFake((input: { Sql: string; Parameters?: { name?: string; value?: string }[] }) => {
    const Id = `q-${++n}`;
    executed.push(input);
    sqlOf.set(Id, input);
    return { Id };
  });
  redshift.on(BatchExecuteStatementCommand).callsFake((input: (typeof batches)[number]) => {
    batches.push(input);
    return { Id: `b-${batches.length}` };
  });
  redshift.on(DescribeStatementCommand).callsFake(({ Id }: { Id: string }) => {
    if (Id.startsWith('q-')) return { Id, Status: 'FINISHED', HasResultSet: /^\s*SELECT/i.test(sqlOf.get(Id)?.Sql ?? '') };
    return { Id, Status: 'FINISHED', ...s.batch };
  });
  redshift.on(GetStatementResultCommand).callsFake(({ Id }: { Id: string }) => {
    const q = sqlOf.get(Id);
    const sql = q?.Sql ?? '';
    const param = (name: string) => q?.Parameters?.find((p) => p.name === name)?.value ?? '';
    if (sql.includes('information_schema.columns')) {
      const cols = s.tables?.[param('table')] ?? [];
      const typed = s.types?.[param('table')] ?? {};
      const orNull = (v: number | null): Field => (v === null ? { isNull: true } : num(v));
      return result(
        ['column_name', 'data_type', 'character_maximum_length', 'numeric_precision', 'numeric_scale'],
        cols.map((c) => {
          const [type, length, precision, scale] = typed[c] ?? ['character varying', 256, null, null];
          return [str(c), str(type), orNull(length), orNull(precision), orNull(scale)];
        }),
      );
    }
    if (sql.includes('"tributary_batches" WHERE batch_id')) {
      return result(['rows_staged', 'inserted', 'updated', 'unchanged', 'deleted', 'quarantined'], s.ledgerHit ? [[4, 2, 1, 1, 0, 0].map(num)] : []);
    }
    if (sql.includes('"tributary_offsets"')) return result(['kafka_partition', 'next_offset'], (s.offsets ?? []).map(([p, o]) => [num(p), num(o)]));
    if (sql.includes('"tributary_cdc_snapshots"')) {
      return result(['lsn', 'closing', 'mark_partition'], s.snapshot ? [[str(s.snapshot[0]), num(s.snapshot[1] ? 1 : 0), s.snapshot[2] === null ? { isNull: true } : num(s.snapshot[2])]] : []);
    }
    if (sql.includes('"tributary_cdc_skips"')) return result(['kafka_partition', 'kafka_offset'], (s.skips ?? []).map(([p, o]) => [num(p), num(o)]));
    if (sql.includes('"tributary_cdc_epochs"')) return result(['kafka_partition', 'lsn'], (s.epochs ?? []).map(([p, l]) => [num(p), str(l)]));
    if (sql.includes('tributary_cdc_moved__')) return result(['k_0', 'lsn'], (s.moved ?? []).map(([k, l]) => [str(k), str(l)]));
    if (sql.includes('sys_load_error_detail')) {
      return result(['file_name', 'line_number', 'column_name', 'column_type', 'error_message'], [[str('s3://tributary-stage/x.parts/00001.csv.gz'), num(3), str('at'), str('timestamptz'), str('Invalid timestamp')]]);
    }
    const counts = s.counts ?? {};
    return result(Object.keys(counts), [Object.values(counts).map(num)]);
  });
  redshift.on(ListStatementsCommand).resolves({ Statements: [] });
  return { executed, batches };
}

const warehouse = redshiftWarehouse;

const activity = { heartbeat: () => undefined };
const topicSpec: TopicMergeSpec = {
  schema: 'analytics',
  table: 'clicks',
  columns: [
    { name: 'click_id', type: 'bigint' },
    { name: 'raw', type: 'jsonb' },
  ],
  key: ['click_id'],
};
const topicUnit = (over: Partial<TopicUnit> = {}): TopicUnit => ({
  kind: 'topic',
  pipeline: 'clicks',
  region: 'us',
  source: 'events/us/cell-1',
  stream: 'clicks',
  batchId: 'run-1:t0',
  stagePrefix: 'clicks/us/run-1/t0',
  checkpoint: null,
  cell: 'cell-1',
  topic: 'clicks',
  partition: 2,
  from: 10,
  to: 20,
  committed: 10,
  endOffset: 25,
  ...over,
});
const topicBatch = (unit = topicUnit()): StagedTopicBatch => ({
  unit,
  columns: topicSpec.columns,
  stagedColumns: topicSpec.columns,
  files: [{ key: `${unit.stagePrefix}/rows.csv.gz`, rows: 9, bytes: 100 }],
  rows: 9,
  extractedAt: '2026-01-01T00:00:01Z',
  checksum: 'sha256:abc',
  topic: { deadLetterFiles: [{ key: `${unit.stagePrefix}/dead-letters.csv.gz`, rows: 1, bytes: 50 }], consumed: 10, deadLettered: 1, newestTimestamp: '2026-01-01T00:00:00.000Z' },
});
/** Sub-statements of a failed batch: `n` finished, then the failed one. */
const subs = (n: number, failed: SubStatementData): SubStatementData[] => [...Array.from({ length: n }, (_, i) => ({ Id: `b-1:${i + 1}`, Status: 'FINISHED' as const })), failed];
type LedgerRow = Record<'rows_staged' | 'inserted' | 'updated' | 'unchanged' | 'deleted' | 'quarantined' | 'rows_read' | 'deduplicated' | 'dead_lettered' | 'deleted_absent', number>;
/** A merge result's counts are its batch ledger row's, read back after the batch. */
const resultCounts = (l: LedgerRow) => ({
  rowsRead: l.rows_read,
  rowsStaged: l.rows_staged,
  inserted: l.inserted,
  updated: l.updated,
  unchanged: l.unchanged,
  deleted: l.deleted,
  deletedAbsent: l.deleted_absent,
  deduplicated: l.deduplicated,
  deadLettered: l.dead_lettered,
});
/** Data API parameters that include these values. */
const withParams = (values: Record<string, string>): unknown => expect.arrayContaining(Object.entries(values).map(([name, value]) => ({ name, value })));
const heads = (sqls: string[]) => sqls.map((s) => s.trim().split(/\s+/).slice(0, 2).join(' '));

beforeEach(() => redshift.reset());

describe('Redshift topic merge through the Data API (aws-sdk-client-mock)', () => {
  it('creates the ledger tables and the target, then sends ONE batch: lock, guard, two COPYs with count checks, upsert, ledgers', async () => {
    // The result statement reads the batch's ledger row back: 9 rows and 1 dead letter staged.
    const ledgerRow = { rows_staged: 10, inserted: 6, updated: 2, unchanged: 1, deleted: 0, quarantined: 0, rows_read: 10, deduplicated: 0, dead_lettered: 1, deleted_absent: 0 };
    const api = scripted({ offsets: [[2, 10]], counts: { rows_in: 9, dead: 1, ...ledgerRow } });
    const r = await warehouse().mergeTopic(topicBatch(), topicSpec, activity);
    expect(r).toEqual({
      batchId: 'run-1:t0',
      ...resultCounts(ledgerRow),
      alreadyCommitted: false,
      topic: { source: 'events/us/cell-1', cell: 'cell-1', topic: 'clicks', partition: 2, consumed: 10, loaded: 9, deadLettered: 1, newestTimestamp: '2026-01-01T00:00:00.000Z', nextOffset: 20, offsetLag: 5 },
    });
    const sqls = api.executed.map((e) => e.Sql);
    expect(sqls.some((s) => s.includes('CREATE TABLE IF NOT EXISTS "analytics"."tributary_offsets"'))).toBe(true);
    expect(sqls.some((s) => s.includes('CREATE TABLE IF NOT EXISTS "analytics"."tributary_dead_letters"'))).toBe(true);
    expect(sqls.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "analytics"."clicks"'))).toContain('"raw" SUPER');
    const offsetsRead = api.executed.find((e) => e.Sql.startsWith('SELECT kafka_partition, next_offset'));
    expect(offsetsRead?.Parameters).toContainEqual({ name: 'partition_0', value: '2' });
    expect(api.batches).toHaveLength(1);
    const b = api.batches[0]!;
    expect(b.StatementName).toBe('tributary-merge/run-1:t0');
    expect(heads(b.Sqls).slice(0, 11)).toEqual([
      'LOCK "analytics"."clicks"',
      'CREATE TEMP',
      'INSERT INTO',
      'SELECT CAST(CASE',
      'CREATE TEMP',
      'COPY tributary_topic_stage',
      'SELECT CAST(CASE',
      'CREATE TEMP',
      'COPY tributary_topic_dead',
      'SELECT CAST(CASE',
      'CREATE TEMP',
    ]);
    expect(b.Sqls[5]).toContain(`FROM 's3://tributary-stage/tributary/clicks/us/run-1/t0/rows.csv.gz.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/tributary-load' MANIFEST FORMAT AS CSV GZIP NULL AS '~NULL~'`);
    expect(b.Sqls[8]).toContain(`FROM 's3://tributary-stage/tributary/clicks/us/run-1/t0/dead-letters.csv.gz.manifest'`);
    // Planned at the ledger's position: nothing trimmed; the guard expects 10 and the ledger moves to 20.
    expect(b.Sqls.some((s) => s.startsWith('DELETE FROM tributary_topic_stage'))).toBe(false);
    expect(b.Parameters).toEqual(withParams({ r0_expected: '10', r0_next: '20', rows: '9', dead_rows: '1', consumed: '10' }));
    // Messages consumed must be the rows and dead letters staged, checked before the ledger row is written.
    const check = b.Sqls.findIndex((x) => x.includes("' rows read, but '"));
    expect(check).toBeGreaterThan(0);
    expect(check).toBeLessThan(b.Sqls.findIndex((x) => x.startsWith('INSERT INTO "analytics"."tributary_batches"')));
    expect(b.Sqls.join('\n')).not.toMatch(/ON CONFLICT|RETURNING|xmax|TRUNCATE\s/);
    expect(b.Sqls.join('\n')).not.toContain('run-1:t0');
    expect(redshift.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input.Id)).toContain(`b-1:${b.Sqls.length}`);
  });

  it('a batch the ledger is past is skipped without loading; one in the batch ledger returns its counts', async () => {
    const skip = scripted({ offsets: [[2, 20]] });
    const r = await warehouse().mergeTopic(topicBatch(), topicSpec, activity);
    expect(r).toMatchObject({ alreadyCommitted: true, rowsStaged: 0, topic: { nextOffset: 20 } });
    expect(skip.batches).toHaveLength(0);
    redshift.reset();
    const hit = scripted({ ledgerHit: true });
    const again = await warehouse().mergeTopic(topicBatch(), topicSpec, activity);
    expect(again).toMatchObject({ alreadyCommitted: true, rowsStaged: 4, inserted: 2, updated: 1 });
    expect(hit.batches).toHaveLength(0);
  });

  it('another run committed part of the range: only the rest loads (the stage is trimmed below the ledger)', async () => {
    const api = scripted({ offsets: [[2, 15]], counts: { rows_in: 5, dead: 0, inserted: 5, updated: 0 } });
    await warehouse().mergeTopic(topicBatch(), topicSpec, activity);
    const b = api.batches[0]!;
    expect(b.Sqls.filter((s) => s.includes('WHERE kafka_offset < CAST(:load_from AS BIGINT)'))).toHaveLength(2);
    expect(b.Parameters).toEqual(withParams({ load_from: '15', r0_expected: '15' }));
  });

  it('a ledger that does not fit the plan is bad input naming the pipeline, source and partition; nothing is sent', async () => {
    const api = scripted({ offsets: [[2, 5]] });
    const err = await warehouse().mergeTopic(topicBatch(), topicSpec, activity).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/^pipeline clicks, source events\/us\/cell-1, partition 2: the ledger's next offset is 5/);
    expect(api.batches).toHaveLength(0);
  });

  it('the guard failing (the ledger moved meanwhile) is a retryable error; a failed COPY names file, line and column', async () => {
    scripted({ offsets: [[2, 10]], batch: { Status: 'FAILED', Error: 'invalid input syntax for integer: "tributary: the offsets ledger moved"', SubStatements: subs(3, { Id: 'b-1:4', Status: 'FAILED' }) } });
    const moved = await warehouse().mergeTopic(topicBatch(), topicSpec, activity).catch((e: unknown) => e);
    expect(moved).not.toBeInstanceOf(ApplicationFailure);
    expect((moved as Error).message).toContain('pipeline clicks, source events/us/cell-1, partition 2: the ledger changed while the batch for analytics.clicks was submitted');
    redshift.reset();
    scripted({ offsets: [[2, 10]], batch: { Status: 'FAILED', Error: 'Load into table failed', SubStatements: subs(5, { Id: 'b-1:6', Status: 'FAILED', RedshiftQueryId: 7 }) } });
    const load = await warehouse().mergeTopic(topicBatch(), topicSpec, activity).catch((e: unknown) => e);
    expect(load).toBeInstanceOf(ApplicationFailure);
    expect((load as Error).message).toBe('pipeline clicks, source events/us/cell-1, partition 2: loading analytics.clicks failed at s3://tributary-stage/x.parts/00001.csv.gz line 3, column at (timestamptz): Invalid timestamp');
  });

  it('readOffsets reads the ledger of one topic and cell', async () => {
    const api = scripted({ offsets: [[0, 7], [3, 12]] });
    expect(await warehouse().readOffsets({ pipeline: 'clicks', region: 'us', cell: 'cell-1', topic: 'clicks' })).toEqual(new Map([[0, 7], [3, 12]]));
    expect(api.executed.at(-1)?.Parameters).toEqual(withParams({ cell: 'cell-1' }));
  });
});

const cdcColumns = [
  { name: 'id', type: 'bigint' },
  { name: 'note', type: 'text' },
  { name: 'qty', type: 'integer' },
  { name: 'doc', type: 'jsonb' },
];
const cdcUnit: CdcUnit = {
  kind: 'cdc',
  pipeline: 'orders-cdc',
  region: 'us',
  source: 'events/us/cell-1',
  stream: 'app_us.public.orders',
  batchId: 'run-2:c0',
  stagePrefix: 'orders-cdc/us/run-2/c0',
  checkpoint: null,
  cell: 'cell-1',
  topic: 'app_us.public.orders',
  ranges: [
    { partition: 0, from: 0, to: 5, committed: null, endOffset: 5 },
    { partition: 1, from: 3, to: 3, committed: 3, endOffset: 3 },
  ],
};
const cdcBatch = (columns = cdcColumns): StagedCdcBatch => ({
  unit: cdcUnit,
  columns,
  stagedColumns: columns,
  files: [{ key: 'orders-cdc/us/run-2/c0/changes.csv.gz', rows: 4, bytes: 80 }],
  rows: 4,
  extractedAt: '2026-01-01T00:00:01Z',
  checksum: 'sha256:def',
  cdc: { ranges: cdcUnit.ranges, events: 5, upserts: 3, deletes: 1, newestSourceTsMs: 1_767_225_600_000 },
});
const target = { schema: 'analytics', table: 'orders', key: ['id'], deletes: 'hard' as const, onNewColumn: 'add' as const };

describe('Redshift CDC merge through the Data API (aws-sdk-client-mock)', () => {
  it('creates the target and its moved-rows table, then ONE batch: guard, COPY, TOAST fills for text/jsonb columns only, deletes, replace, ledgers', async () => {
    // 5 events collapsed into 4 changes: one deduplicated.
    const ledgerRow = { rows_staged: 4, inserted: 2, updated: 1, unchanged: 0, deleted: 1, quarantined: 0, rows_read: 5, deduplicated: 1, dead_lettered: 0, deleted_absent: 0 };
    const api = scripted({ offsets: [[1, 3]], counts: { rows_in: 4, ...ledgerRow } });
    const r = await warehouse().mergeCdc(cdcBatch(), target, activity);
    expect(r).toEqual({
      batchId: 'run-2:c0',
      ...resultCounts(ledgerRow),
      alreadyCommitted: false,
      cdc: { newestSourceTsMs: 1_767_225_600_000, events: 5 },
    });
    const sqls = api.executed.map((e) => e.Sql);
    expect(sqls.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "analytics"."orders"'))).toMatch(/"_lsn" DECIMAL\(20,0\) NOT NULL.*PRIMARY KEY \("id", "_source"\)/);
    expect(sqls.some((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "analytics"."tributary_cdc_moved__analytics__orders"'))).toBe(true);
    const b = api.batches[0]!;
    const all = b.Sqls.join('\n');
    // One pair of fills (warehouse row, then moved row) per column PostgreSQL may TOAST: note and doc, not id or qty.
    expect(b.Sqls.filter((s) => s.startsWith('UPDATE tributary_cdc_stage SET'))).toHaveLength(4);
    expect(b.Parameters).toEqual(withParams({ mc_0: 'note', mc_1: 'doc' }));
    expect(b.Parameters?.some((p) => p.value === 'qty')).toBe(false);
    expect(all).toContain(`DELETE FROM "analytics"."orders" USING tributary_cdc_stage WHERE tributary_cdc_stage."_op" IN ('d', 'm')`);
    expect(all).not.toMatch(/ON CONFLICT|RETURNING|xmax|TRUNCATE\s/);
    // Both partitions' ledger rows are guarded: partition 0 absent, partition 1 at 3.
    expect(b.Parameters).toEqual(withParams({ r0_partition: '0', r1_partition: '1', r1_expected: '3', r0_next: '5' }));
    expect(b.Parameters?.some((p) => p.name === 'r0_expected')).toBe(false);
  });

  it('heals in the same batch: raises to the ledger epochs, truncates at the raised version, closes the open snapshot with its gap deletes, moves the epochs', async () => {
    const api = scripted({ offsets: [[1, 3]], snapshot: ['900', false, null], epochs: [[0, '850']], counts: { rows_in: 4, rows_staged: 4, inserted: 2, updated: 1, unchanged: 0, deleted: 7, deleted_absent: 6 } });
    const batch = cdcBatch();
    const staged: StagedCdcBatch = {
      ...batch,
      stagedColumns: [...cdcColumns, { name: '_op', type: 'text' }, { name: '_lsn', type: 'numeric(20)' }, { name: '_source_ts', type: 'timestamptz' }, { name: '_missing', type: 'jsonb' }, { name: '_partition', type: 'integer' }],
      cdc: { ...batch.cdc, snapshots: { epochs: [{ partition: 0, lsn: '900' }], marks: [{ mark: 'last', lsn: '900', partition: 0 }] }, truncate: { partition: 0, version: '800' } },
    };
    const r = await warehouse().mergeCdc(staged, target, activity);
    expect(r).toMatchObject({ deleted: 7, alreadyCommitted: false });
    expect(api.executed.some((e) => e.Sql.startsWith('CREATE TABLE IF NOT EXISTS "analytics"."tributary_cdc_epochs"'))).toBe(true);
    const b = api.batches[0]!;
    const at = (re: RegExp) => b.Sqls.findIndex((x) => re.test(x));
    // The stage carries _partition last; streamed changes rise to the ledger's epoch right after the COPY's count check.
    expect(b.Sqls.find((x) => x.startsWith('CREATE TEMP TABLE tributary_cdc_stage'))).toMatch(/"_missing" VARCHAR\(65535\), "_partition" INTEGER\)$/);
    const raise = at(/^UPDATE tributary_cdc_stage SET "_lsn" = e.epoch_lsn/);
    expect(raise).toBe(at(/pg_last_copy_count/) + 1);
    // The truncate (at 850: its 800 raised to the epoch read before the batch) goes before the changes, the gap deletes after them.
    const truncate = at(/^DELETE FROM "analytics"."orders" WHERE "_source" = :source AND "_lsn" <= CAST\(:truncate_version/);
    const changes = at(/^DELETE FROM "analytics"."orders" USING tributary_cdc_stage WHERE tributary_cdc_stage."_op" IN \('d', 'm'\)/);
    const gap = at(/^DELETE FROM "analytics"."orders" WHERE "_source" = :source AND "_lsn" < CAST\(:close_below/);
    expect(raise < truncate && truncate < changes && changes < gap).toBe(true);
    expect(b.Parameters).toEqual(withParams({ truncate_version: '850', close_below: '900', ep_0: '0', el_0: '900' }));
    // The snapshot closed: its ledger row goes and none is kept; the ledger row counts what the truncate and the gap removed.
    expect(b.Sqls.some((x) => x.startsWith('DELETE FROM "analytics"."tributary_cdc_snapshots"'))).toBe(true);
    expect(b.Sqls.some((x) => x.startsWith('INSERT INTO "analytics"."tributary_cdc_snapshots"'))).toBe(false);
    expect(b.Sqls.find((x) => x.startsWith(`INSERT INTO "analytics"."tributary_batches"`))).toContain('c.deleted + (SELECT n FROM tributary_cdc_truncated) + (SELECT n FROM tributary_cdc_gap_deleted)');
    // Those are rows gone from the source, not deletes by a staged change: counted apart.
    expect(b.Sqls.find((x) => x.startsWith(`INSERT INTO "analytics"."tributary_batches"`))).toContain('0 + (SELECT n FROM tributary_cdc_truncated) + (SELECT n FROM tributary_cdc_gap_deleted)');
    expect(r).toMatchObject({ deletedAbsent: 6 });
  });

  it('a batch every partition of which the ledger is past is skipped; a partly applied one is refused', async () => {
    const skip = scripted({ offsets: [[0, 5], [1, 3]] });
    expect(await warehouse().mergeCdc(cdcBatch(), target, activity)).toMatchObject({ alreadyCommitted: true, rowsStaged: 0 });
    expect(skip.batches).toHaveLength(0);
    redshift.reset();
    const partial = scripted({ offsets: [[0, 2], [1, 3]] });
    const err = await warehouse().mergeCdc(cdcBatch(), target, activity).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toMatch(/^pipeline orders-cdc, source events\/us\/cell-1: another run applied part of this batch/);
    expect(partial.batches).toHaveLength(0);
  });

  it('too many columns to fill in one batch is bad input naming the pipeline', async () => {
    const wide = [{ name: 'id', type: 'bigint' }, ...Array.from({ length: 20 }, (_, i) => ({ name: `t${i}`, type: 'text' }))];
    scripted({ offsets: [[1, 3]] });
    const err = await warehouse().mergeCdc(cdcBatch(wide), target, activity).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toMatch(/^pipeline orders-cdc, source events\/us\/cell-1: the CDC merge into analytics\.orders needs \d+ statements \(two per column PostgreSQL may TOAST/);
  });

  it('dead letters: the batch COPYs them from their manifest, checks the count, inserts them with their lineage, and counts them read, staged and dead-lettered', async () => {
    const ledgerRow = { rows_staged: 6, inserted: 2, updated: 1, unchanged: 0, deleted: 1, quarantined: 0, rows_read: 7, deduplicated: 1, dead_lettered: 2, deleted_absent: 0 };
    const api = scripted({ offsets: [[1, 3]], counts: { rows_in: 4, ...ledgerRow } });
    const batch = cdcBatch();
    const staged: StagedCdcBatch = { ...batch, cdc: { ...batch.cdc, deadLetters: { files: [{ key: 'orders-cdc/us/run-2/c0/dead-letters.csv.gz', rows: 2, bytes: 40 }], count: 2 } } };
    const r = await warehouse().mergeCdc(staged, target, activity);
    expect(r).toMatchObject({ rowsRead: 7, rowsStaged: 6, deadLettered: 2 });
    const b = api.batches[0]!;
    const at = (re: RegExp) => b.Sqls.findIndex((q) => re.test(q));
    const guard = at(/tributary_offsets|tributary_ranges/);
    const copyDead = at(/^COPY tributary_topic_dead FROM 's3:\/\/.*dead-letters/);
    const insertDead = at(/^INSERT INTO "[^"]+"\."tributary_dead_letters" \(pipeline, region, source, cell, topic, "kafka_partition", "kafka_offset"/);
    expect(guard).toBeGreaterThanOrEqual(0);
    expect(copyDead).toBeGreaterThan(guard);
    expect(b.Sqls[copyDead + 1]).toMatch(/pg_last_copy_count\(\) <> CAST\(:dead_rows AS BIGINT\).*dead letters/);
    expect(insertDead).toBeGreaterThan(copyDead);
    expect(b.Sqls.find((q) => q.includes('INSERT INTO') && q.includes('"tributary_batches"'))).toContain('c.rows_in + CAST(:dead_rows AS BIGINT)');
    expect(b.Parameters).toEqual(expect.arrayContaining([{ name: 'dead_rows', value: '2' }, { name: 'cell', value: 'cell-1' }]));
    // A batch without dead letters sends none of that.
    redshift.reset();
    const plain = scripted({ offsets: [[1, 3]], counts: { rows_in: 4, ...ledgerRow, rows_staged: 4, rows_read: 5, dead_lettered: 0 } });
    await warehouse().mergeCdc(cdcBatch(), target, activity);
    expect(plain.batches[0]!.Sqls.some((q) => q.includes('tributary_topic_dead'))).toBe(false);
  });

  it('the skip list: created once, read per cell and topic, a skip inserted only when absent', async () => {
    const api = scripted({ skips: [[0, 41]] });
    const w = warehouse();
    const key = { pipeline: 'orders-cdc', region: 'us', cell: 'cell-1', topic: 'app_us.public.orders' };
    expect(await w.cdcSkips(key)).toEqual([{ partition: 0, offset: 41 }]);
    await w.addCdcSkip(key, 1, 7);
    const creates = api.executed.filter((e) => e.Sql.startsWith('CREATE TABLE IF NOT EXISTS') && e.Sql.includes('"tributary_cdc_skips"'));
    expect(creates).toHaveLength(1);
    const insert = api.executed.find((e) => e.Sql.startsWith('INSERT INTO') && e.Sql.includes('"tributary_cdc_skips"'))!;
    expect(insert.Sql).toMatch(/WHERE NOT EXISTS \(SELECT 1 FROM .*kafka_offset = CAST\(:offset AS BIGINT\)\)/);
    expect(insert.Parameters).toEqual(expect.arrayContaining([{ name: 'cell', value: 'cell-1' }, { name: 'partition', value: '1' }, { name: 'offset', value: '7' }]));
  });

  it('movedLsns: nothing without a moved-rows table; else the LSN per old key, asked with parameters', async () => {
    const none = scripted({});
    expect(await warehouse().movedLsns({ schema: 'analytics', table: 'orders' }, 'events/us/cell-1', [{ id: '1' }])).toEqual(new Map());
    expect(none.executed.some((e) => e.Sql.includes('"_lsn"'))).toBe(false);
    redshift.reset();
    const api = scripted({ tables: { tributary_cdc_moved__analytics__orders: ['id', '_lsn'] }, moved: [['1', '400']] });
    const lsns = await warehouse().movedLsns({ schema: 'analytics', table: 'orders' }, 'events/us/cell-1', [{ id: '1' }, { id: '2' }]);
    expect(lsns).toEqual(new Map([[oldKeyId({ id: '1' }), 400n]]));
    expect(api.executed.at(-1)?.Parameters).toEqual(withParams({ source: 'events/us/cell-1', oldkey_0_0: '1', oldkey_1_0: '2' }));
  });
});

describe('Redshift: a column retyped at the source (onTypeChange)', () => {
  const cols = ['id', 'note', 'qty', 'doc', '_lsn'];
  const moved = 'tributary_cdc_moved__analytics__orders';
  const ledgerRow = { rows_staged: 4, inserted: 4, updated: 0, unchanged: 0, deleted: 0, quarantined: 0, rows_read: 5, deduplicated: 1, dead_lettered: 0, deleted_absent: 0 };
  const narrow = (qty: [string, number | null, number | null, number | null]) => ({ note: ['character varying', 80, null, null] as [string, number, null, null], qty });

  it('widens a VARCHAR too short for the new type in the target and its moved-rows table before the batch', async () => {
    const api = scripted({ offsets: [[1, 3]], counts: { rows_in: 4, ...ledgerRow }, tables: { orders: cols, [moved]: cols }, types: { orders: narrow(['integer', null, 32, 0]), [moved]: narrow(['integer', null, 32, 0]) } });
    await warehouse().mergeCdc(cdcBatch(), target, activity);
    const alters = api.executed.map((e) => e.Sql).filter((q) => q.includes('ALTER COLUMN'));
    expect(alters).toEqual([
      'ALTER TABLE "analytics"."orders" ALTER COLUMN "note" TYPE VARCHAR(65535)',
      `ALTER TABLE "${cfg.schema}"."${moved}" ALTER COLUMN "note" TYPE VARCHAR(65535)`,
    ]);
    expect(api.batches).toHaveLength(1);
  });

  it('under onTypeChange: fail refuses the widening; a change Redshift cannot make in place is refused whatever the policy, naming both types; nothing is sent', async () => {
    const strict = scripted({ offsets: [[1, 3]], tables: { orders: cols }, types: { orders: narrow(['integer', null, 32, 0]) } });
    const refused = await warehouse().mergeCdc(cdcBatch(), { ...target, onTypeChange: 'fail' }, activity).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).nonRetryable).toBe(true);
    expect((refused as Error).message).toBe(
      'pipeline orders-cdc, region us, source events/us/cell-1, table analytics.orders: column note is text at the source (VARCHAR(65535) on Redshift), but the target keeps it as VARCHAR(80), which cannot hold every value of it, and the pipeline\'s onTypeChange policy is "fail"; widen the target column by hand, or set onTypeChange: widen',
    );
    expect(strict.executed.some((e) => e.Sql.includes('ALTER COLUMN'))).toBe(false);
    expect(strict.batches).toHaveLength(0);

    redshift.reset();
    const bigger = scripted({ offsets: [[1, 3]], tables: { orders: cols }, types: { orders: { qty: ['integer', null, 32, 0] } } });
    const columns = cdcColumns.map((c) => (c.name === 'qty' ? { ...c, type: 'bigint' } : c));
    const err = await warehouse().mergeCdc(cdcBatch(columns), target, activity).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      "pipeline orders-cdc, region us, source events/us/cell-1, table analytics.orders: column qty is bigint at the source (BIGINT on Redshift), but the target keeps it as INTEGER, which cannot hold every value of it; Redshift cannot change the column's type in place: add a wider column by hand and copy the values, or recreate the target and backfill",
    );
    expect(bigger.batches).toHaveLength(0);
  });

  it('a topic column declared bigint where the target is INTEGER is refused, naming the partition', async () => {
    const api = scripted({ offsets: [[2, 10]], tables: { clicks: ['click_id', 'raw'] }, types: { clicks: { click_id: ['integer', null, 32, 0] } } });
    const err = await warehouse().mergeTopic(topicBatch(), topicSpec, activity).catch((e: unknown) => e);
    expect((err as Error).message).toContain('pipeline clicks, region us, source events/us/cell-1, table analytics.clicks, partition 2: column click_id is bigint in the config (BIGINT on Redshift), but the target keeps it as INTEGER');
    expect(api.batches).toHaveLength(0);
  });
});

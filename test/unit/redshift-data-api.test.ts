// The Redshift warehouse at its API boundary: Redshift cannot run here, so the Data API client
// is replaced by aws-sdk-client-mock and these tests check what is sent and how answers are
// handled (statement sequence, polling, load errors, retries, resume, the merge limit). The SQL
// itself runs for real on PostgreSQL in test/integration/redshift-sql-on-postgres.test.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ActiveStatementsExceededException,
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  ListStatementsCommand,
  RedshiftDataClient,
  ValidationException,
  type DescribeStatementResponse,
} from '@aws-sdk/client-redshift-data';
import { ApplicationFailure } from '@temporalio/common';
import { DataApi, backoff, DEFAULT_POLL, targetParams } from '../../activities/warehouse/redshift/data-api.js';
import { RedshiftWarehouse, MERGE_STATEMENT_PREFIX } from '../../activities/warehouse/redshift/redshift-warehouse.js';
import { acquireMergeSlot } from '../../activities/warehouse/redshift/merge-limit.js';
import { LEDGER_COUNT_COLUMNS } from '../../activities/warehouse/redshift/merge-sql.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { FactUnit, StagedBatch } from '../../activities/types.js';
import { factSpan } from '../../activities/kinds/fact/index.js';
import type { MergeSpec } from '../../activities/warehouse/postgres/merge-sql.js';

import { cfg, mockDataApi, noSleep, num, redshiftWarehouse, str } from './redshift-fixtures.js';

const redshift = mockDataApi();

const columns = [
  { name: 'id', type: 'bigint' },
  { name: 'note', type: 'text' },
  { name: 'updated_at', type: 'timestamp with time zone' },
];
const spec: MergeSpec = { schema: 'analytics', table: 'orders', columns, stagedColumns: columns, key: ['id'], mode: { kind: 'upsert', version: 'updated_at' } };
const batch = (batchId = 'run-1:0:0'): StagedBatch => ({
  unit: {
    kind: 'fact',
    pipeline: 'orders',
    region: 'us',
    source: 'app/us',
    stream: 'public.orders',
    batchId,
    stagePrefix: 'orders/us/run-1/0-0',
    checkpoint: '2026-01-01T00:00:00.000000Z',
    from: null,
    to: '2026-01-01T00:00:00.000000Z',
    after: null,
    until: null,
  },
  columns,
  stagedColumns: columns,
  files: [{ key: 'orders/us/run-1/0-0/part-00000.csv.gz', rows: 3, bytes: 120 }],
  rows: 3,
  extractedAt: '2026-01-01T00:00:01Z',
  checksum: 'sha256:abc',
});


/** A scripted Data API: single statements finish at once; merge batches follow `script`. */
function scriptedRedshift(script: Partial<DescribeStatementResponse>[][], opts: { ledgerHit?: boolean; loadErrors?: boolean; noteBytes?: number; amount?: [number, number]; oldLedger?: boolean } = {}) {
  const executed: string[] = [];
  const batches: { Sqls: string[]; StatementName?: string; Parameters?: { name?: string; value?: string }[] }[] = [];
  const sqlOf = new Map<string, string>();
  const polls = new Map<string, number>();
  let n = 0;
  const tableOf = new Map<string, string | undefined>();
  redshift.on(ExecuteStatementCommand).callsFake((input: { Sql: string; Parameters?: { name?: string; value?: string }[] }) => {
    const Id = `q-${++n}`;
    executed.push(input.Sql);
    sqlOf.set(Id, input.Sql);
    tableOf.set(Id, input.Parameters?.find((p) => p.name === 'table')?.value);
    return { Id };
  });
  redshift.on(BatchExecuteStatementCommand).callsFake((input: (typeof batches)[number]) => {
    batches.push(input);
    return { Id: `b-${batches.length}` };
  });
  redshift.on(DescribeStatementCommand).callsFake(({ Id }: { Id: string }) => {
    if (Id.startsWith('q-')) return { Id, Status: 'FINISHED', HasResultSet: /^\s*SELECT/i.test(sqlOf.get(Id) ?? '') };
    const steps = script[Number(Id.slice(2)) - 1] ?? [{ Status: 'FINISHED' }];
    const i = polls.get(Id) ?? 0;
    polls.set(Id, i + 1);
    return { Id, ...steps[Math.min(i, steps.length - 1)] };
  });
  redshift.on(GetStatementResultCommand).callsFake(({ Id }: { Id: string }) => {
    const sql = sqlOf.get(Id) ?? '';
    if (sql.includes('information_schema.columns') && tableOf.get(Id) === 'tributary_batches') {
      // The ledger's own columns: those added with the count check are there unless it is an old ledger.
      const have = ['batch_id', 'rows_staged', ...(opts.oldLedger ? [] : LEDGER_COUNT_COLUMNS)];
      return { ColumnMetadata: [{ name: 'column_name' }, { name: 'data_type' }, { name: 'character_maximum_length' }], Records: have.map((c) => [str(c), str('bigint'), str(null)]) };
    }
    if (sql.includes('information_schema.columns')) {
      return {
        ColumnMetadata: [{ name: 'column_name' }, { name: 'data_type' }, { name: 'character_maximum_length' }, { name: 'numeric_precision' }, { name: 'numeric_scale' }],
        Records: [
          [str('id'), str('bigint'), str(null)],
          ...(opts.amount ? [[str('amount'), str('numeric'), str(null), num(opts.amount[0]), num(opts.amount[1])]] : []),
          [str('note'), str('character varying'), num(opts.noteBytes ?? 65535)],
          [str('updated_at'), str('timestamp with time zone'), str(null)],
          ...['_source', '_region', '_batch_id'].map((c) => [str(c), str('character varying'), num(256)]),
          [str('_extracted_at'), str('timestamp with time zone'), str(null)],
          [str('_loaded_at'), str('timestamp with time zone'), str(null)],
        ],
      };
    }
    if (sql.includes('FROM "analytics"."tributary_batches" WHERE batch_id')) {
      const names = ['rows_staged', 'inserted', 'updated', 'unchanged', 'deleted', 'quarantined'];
      return { ColumnMetadata: names.map((name) => ({ name })), Records: opts.ledgerHit ? [[3, 1, 1, 1, 0, 0].map(num)] : [] };
    }
    if (sql.includes('sys_load_error_detail')) {
      const names = ['file_name', 'line_number', 'column_name', 'column_type', 'error_message'];
      return {
        ColumnMetadata: names.map((name) => ({ name })),
        Records: opts.loadErrors ? [[str('s3://tributary-stage/tributary/orders/us/run-1/0-0/part-00000.csv.gz.parts/00002.csv.gz'), num(17), str('updated_at'), str('timestamptz'), str('Invalid timestamp format or value')]] : [],
      };
    }
    // The merge's result statement "<batch id>:<n>".
    const names = ['done', 'rows_staged', 'inserted', 'updated', 'unchanged', 'deleted', 'quarantined', 'rows_read', 'deduplicated', 'dead_lettered', 'deleted_absent'];
    return { ColumnMetadata: names.map((name) => ({ name })), Records: [[0, 3, 2, 1, 0, 0, 0, 3, 0, 0, 0].map(num)] };
  });
  redshift.on(ListStatementsCommand).resolves({ Statements: [] });
  return { executed, batches, polls };
}

const warehouse = redshiftWarehouse;

beforeEach(() => redshift.reset());

describe('Redshift merge through the Data API (aws-sdk-client-mock)', () => {
  it('sends the state DDL, the ledger check, the target columns, then ONE batch in the documented order', async () => {
    const api = scriptedRedshift([[{ Status: 'SUBMITTED' }, { Status: 'STARTED' }, { Status: 'FINISHED' }]]);
    const beats: unknown[] = [];
    const result = await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: (d) => beats.push(d) });
    expect(result).toEqual({
      batchId: 'run-1:0:0',
      rowsRead: 3,
      rowsStaged: 3,
      inserted: 2,
      updated: 1,
      unchanged: 0,
      deleted: 0,
      deletedAbsent: 0,
      deduplicated: 0,
      deadLettered: 0,
      alreadyCommitted: false,
    });

    expect(api.executed.slice(0, 4).map((s) => s.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'CREATE SCHEMA IF',
      'CREATE TABLE IF',
      'CREATE TABLE IF',
      'CREATE TABLE IF',
    ]);
    // The ledger's columns are read; it has the count columns: nothing is altered.
    expect(api.executed[4]).toContain('information_schema.columns');
    expect(api.executed[5]).toContain('FROM "analytics"."tributary_batches" WHERE batch_id = :batch_id');
    expect(api.executed[6]).toContain('information_schema.columns');
    expect(api.batches).toHaveLength(1);
    const [b] = api.batches;
    expect(b!.StatementName).toBe(`${MERGE_STATEMENT_PREFIX}run-1:0:0`);
    const heads = b!.Sqls.map((s) => s.trim().split(/\s+/).slice(0, 2).join(' '));
    expect(heads.slice(0, 5)).toEqual(['LOCK "analytics"."orders"', 'CREATE TEMP', 'CREATE TEMP', 'COPY tributary_stage', 'SELECT CAST(CASE']);
    expect(b!.Sqls[3]).toBe(
      `COPY tributary_stage FROM 's3://tributary-stage/tributary/orders/us/run-1/0-0/part-00000.csv.gz.manifest' IAM_ROLE 'arn:aws:iam::123456789012:role/tributary-load' MANIFEST FORMAT AS CSV GZIP NULL AS '~NULL~' TIMEFORMAT 'auto' DATEFORMAT 'auto' TRUNCATECOLUMNS COMPUPDATE OFF STATUPDATE OFF`,
    );
    expect(b!.Sqls[4]).toContain('pg_last_copy_count()');
    expect(b!.Sqls.some((s) => /TRUNCATE\s/i.test(s.replace('TRUNCATECOLUMNS', '')))).toBe(false);
    expect(b!.Sqls.at(-1)).toContain('SELECT s.done');
    // Values only as parameters, never in the text.
    expect(b!.Parameters).toContainEqual({ name: 'batch_id', value: 'run-1:0:0' });
    expect(b!.Parameters).toContainEqual({ name: 'position_0', value: '2026-01-01T00:00:00.000000Z' });
    expect(b!.Sqls.join('\n')).not.toContain('run-1:0:0');
    // The statement id went into the heartbeat, once per poll.
    expect(beats[0]).toEqual({ redshift: { statementId: 'b-1', submission: 0 } });
    expect(beats.length).toBeGreaterThanOrEqual(3);
    // The result was read from the batch's last statement.
    const results = redshift.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input.Id);
    expect(results).toContain(`b-1:${b!.Sqls.length}`);
  });

  it('counts the Data API calls of a run: the first merge of a process, then every later one (docs/redshift.md)', async () => {
    scriptedRedshift([]);
    const w = warehouse();
    const submits = () => redshift.commandCalls(ExecuteStatementCommand).length + redshift.commandCalls(BatchExecuteStatementCommand).length;
    const all = () => redshift.calls().length;
    await w.readCheckpoint({ pipeline: 'orders', region: 'us', source: 'app/us', stream: 'public.orders' });
    await w.merge(batch('run-1:0:0'), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined });
    const first = { submits: submits(), calls: all() };
    redshift.resetHistory();
    await w.readCheckpoint({ pipeline: 'orders', region: 'us', source: 'app/us', stream: 'public.orders' });
    await w.merge(batch('run-2:0:0'), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined });
    const later = { submits: submits(), calls: all() };
    const perKind = { list: redshift.commandCalls(ListStatementsCommand).length, describe: redshift.commandCalls(DescribeStatementCommand).length, results: redshift.commandCalls(GetStatementResultCommand).length };
    // First run of a process: 4 state DDL, the ledger's columns (a ledger from before the count
    // check gets them), checkpoint read, ledger check, target columns (read twice), one merge batch.
    expect(first.submits).toBe(10);
    // Every later run: checkpoint read, ledger check, target columns twice, the merge batch.
    expect(later.submits).toBe(5);
    // Besides: a poll and a result read per statement (none throttled here) and the merge slot's ListStatements.
    expect(perKind).toEqual({ list: 6, describe: 5, results: 5 });
    expect(later.calls).toBe(21);
  });

  it('polls DescribeStatement with growing, capped backoff', async () => {
    scriptedRedshift([[...Array.from({ length: 12 }, () => ({ Status: 'STARTED' as const })), { Status: 'FINISHED' as const }]]);
    const delays: number[] = [];
    const api = new DataApi(new RedshiftDataClient({}), cfg, DEFAULT_POLL, (ms) => Promise.resolve(void delays.push(ms)));
    await api.batch(['SELECT 1'], [], 'x', { heartbeat: () => undefined });
    expect(delays).toHaveLength(12);
    const bound = (i: number) => Math.min(DEFAULT_POLL.maxMs, DEFAULT_POLL.initialMs * 1.6 ** i);
    // Within a rounding error: the code and this bound multiply the same factors in another order.
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(bound(i) / 2 - 1e-6);
      expect(d).toBeLessThanOrEqual(bound(i) + 1e-6);
    });
    expect(Math.max(...delays)).toBeLessThanOrEqual(DEFAULT_POLL.maxMs);
    expect(backoff(DEFAULT_POLL, 50, () => 1)).toBe(DEFAULT_POLL.maxMs);
  });

  it('keeps polling through a throttled DescribeStatement', async () => {
    scriptedRedshift([]);
    redshift
      .on(DescribeStatementCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolvesOnce({ Id: 'b-1', Status: 'STARTED' })
      .resolvesOnce({ Id: 'b-1', Status: 'FINISHED' });
    const api = new DataApi(new RedshiftDataClient({}), cfg, DEFAULT_POLL, noSleep);
    const d = await api.batch(['SELECT 1'], [], 'x', { heartbeat: () => undefined });
    expect(d.Status).toBe('FINISHED');
  });

  it('FAILED at the COPY: reads SYS_LOAD_ERROR_DETAIL and names the file, line and column (not retried)', async () => {
    const api = scriptedRedshift(
      [
        [
          {
            Status: 'FAILED',
            Error: "ERROR: Load into table 'tributary_stage' failed. Check 'sys_load_error_detail' system table for details.",
            SubStatements: [{ Id: 'b-1:1', Status: 'FINISHED' }, { Id: 'b-1:2', Status: 'FINISHED' }, { Id: 'b-1:3', Status: 'FINISHED' }, { Id: 'b-1:4', Status: 'FAILED', RedshiftQueryId: 4242 }],
          },
        ],
      ],
      { loadErrors: true },
    );
    const err = await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toBe(
      'pipeline orders, source app/us: loading analytics.orders failed at s3://tributary-stage/tributary/orders/us/run-1/0-0/part-00000.csv.gz.parts/00002.csv.gz line 17, column updated_at (timestamptz): Invalid timestamp format or value',
    );
    const lookup = redshift.commandCalls(ExecuteStatementCommand).find((c) => c.args[0].input.Sql?.includes('sys_load_error_detail'));
    expect(lookup?.args[0].input.Parameters).toEqual([{ name: 'query_id', value: '4242' }]);
    expect(api.batches).toHaveLength(1);
  });

  it('FAILED at the COPY count check (a staged file cut short): not retried, naming pipeline, region, source and table', async () => {
    // The count check is the statement after the COPY (index 4, sub-statement 5).
    const subs = [1, 2, 3, 4].map((i) => ({ Id: `b-1:${i}`, Status: 'FINISHED' as const }));
    scriptedRedshift([
      [
        {
          Status: 'FAILED',
          Error: 'ERROR: invalid input syntax for integer: "tributary: COPY loaded 2 rows, the stage holds 3"',
          SubStatements: [...subs, { Id: 'b-1:5', Status: 'FAILED' }],
        },
      ],
    ]);
    const err = await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toBe(
      "pipeline orders, region us, source app/us, table analytics.orders: the batch's counts do not add up: the stage files hold other than the extract wrote (COPY loaded 2 rows, the stage holds 3): a staged file was cut short or changed; nothing was merged",
    );
  });

  it('retries throttling and ActiveStatementsExceeded at submit, then succeeds', async () => {
    scriptedRedshift([]);
    redshift
      .on(BatchExecuteStatementCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .rejectsOnce(new ActiveStatementsExceededException({ message: 'Active statements exceeded the allowed quota.', $metadata: {} }))
      .resolves({ Id: 'b-1' });
    const delays: number[] = [];
    const api = new DataApi(new RedshiftDataClient({}), cfg, DEFAULT_POLL, (ms) => Promise.resolve(void delays.push(ms)));
    const d = await api.batch(['SELECT 1'], [], 'x', { heartbeat: () => undefined });
    expect(d.Status).toBe('FINISHED');
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(3);
    expect(delays.length).toBeGreaterThanOrEqual(2);
  });

  it('resubmits the whole batch after a serializable isolation violation', async () => {
    const api = scriptedRedshift([
      [{ Status: 'FAILED', Error: 'ERROR: 1023 DETAIL: Serializable isolation violation on table - 123456, transactions forming the cycle are: 1, 2' }],
      [{ Status: 'FINISHED' }],
    ]);
    const beats: unknown[] = [];
    const result = await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: (d) => beats.push(d) });
    expect(result.inserted).toBe(2);
    expect(api.batches).toHaveLength(2);
    expect(beats).toContainEqual({ redshift: { statementId: 'b-2', submission: 1 } });
  });

  it('never retries a ValidationException', async () => {
    scriptedRedshift([]);
    redshift.on(BatchExecuteStatementCommand).rejects(new ValidationException({ message: 'Cannot process query string larger than 100kB', $metadata: {} }));
    const err = await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toContain('ValidationException');
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
  });

  it('a retried activity resumes polling the statement in its heartbeat instead of loading twice', async () => {
    const api = scriptedRedshift([]);
    redshift.on(DescribeStatementCommand, { Id: 'b-earlier' }).resolvesOnce({ Id: 'b-earlier', Status: 'STARTED' }).resolves({ Id: 'b-earlier', Status: 'FINISHED' });
    const result = await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { details: { redshift: { statementId: 'b-earlier', submission: 0 } }, heartbeat: () => undefined });
    expect(api.batches).toHaveLength(0);
    expect(result.inserted).toBe(2);
    const ids = redshift.commandCalls(DescribeStatementCommand).map((c) => c.args[0].input.Id);
    expect(ids.filter((i) => i === 'b-earlier')).toHaveLength(2);
  });

  it('a retried activity whose statement had failed submits again instead of failing forever', async () => {
    const api = scriptedRedshift([[{ Status: 'FINISHED' }]]);
    redshift.on(DescribeStatementCommand, { Id: 'b-earlier' }).resolves({ Id: 'b-earlier', Status: 'ABORTED', Error: 'Query cancelled by the user' });
    const result = await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { details: { redshift: { statementId: 'b-earlier', submission: 0 } }, heartbeat: () => undefined });
    expect(api.batches).toHaveLength(1);
    expect(result.inserted).toBe(2);
  });

  it('reads every page of a result (NextToken)', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q-1' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'q-1', Status: 'FINISHED', HasResultSet: true });
    redshift
      .on(GetStatementResultCommand)
      .resolvesOnce({ ColumnMetadata: [{ name: 'n' }], Records: [[num(1)], [num(2)]], NextToken: 't2' })
      .resolvesOnce({ ColumnMetadata: [{ name: 'n' }], Records: [[num(3)]] });
    const api = new DataApi(new RedshiftDataClient({}), cfg, DEFAULT_POLL, noSleep);
    expect(await api.query('SELECT n FROM t WHERE x = :x', { x: 'y' })).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]!.args[0].input).toMatchObject({ WorkgroupName: 'bi', Database: 'dev', Parameters: [{ name: 'x', value: 'y' }] });
    expect(redshift.commandCalls(GetStatementResultCommand)[1]!.args[0].input.NextToken).toBe('t2');
  });

  it('without heartbeat details, finds its own running statement by name (ListStatements) instead of submitting', async () => {
    const api = scriptedRedshift([]);
    redshift.on(ListStatementsCommand, { StatementName: `${MERGE_STATEMENT_PREFIX}run-1:0:0`, Status: 'STARTED' }).resolves({
      Statements: [{ Id: 'b-running', StatementName: `${MERGE_STATEMENT_PREFIX}run-1:0:0`, Status: 'STARTED' }],
    });
    redshift.on(DescribeStatementCommand, { Id: 'b-running' }).resolves({ Id: 'b-running', Status: 'FINISHED' });
    await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined });
    expect(api.batches).toHaveLength(0);
  });

  it('a batch already in the ledger is not loaded again', async () => {
    const api = scriptedRedshift([], { ledgerHit: true });
    const result = await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined });
    expect(result).toMatchObject({ alreadyCommitted: true, inserted: 1, updated: 1 });
    expect(api.batches).toHaveLength(0);
  });

  it('a ledger from before the count check gets its count columns, one ALTER TABLE each, before the merge', async () => {
    const api = scriptedRedshift([], { oldLedger: true });
    await warehouse().merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined });
    expect(api.executed.filter((s) => s.includes('ADD COLUMN'))).toEqual(LEDGER_COUNT_COLUMNS.map((c) => `ALTER TABLE "analytics"."tributary_batches" ADD COLUMN ${c} BIGINT`));
    expect(api.batches).toHaveLength(1);
    const ledger = api.batches[0]!.Sqls.find((s) => s.includes('INSERT INTO "analytics"."tributary_batches"'))!;
    for (const c of LEDGER_COUNT_COLUMNS) expect(ledger).toContain(c);
  });

  it('onNewColumn "ignore": a staged column the target lacks is neither compared nor inserted; "fail" refuses it', async () => {
    const wider = [...columns, { name: 'extra', type: 'text' }];
    const api = scriptedRedshift([]);
    const b = { ...batch(), columns: wider, stagedColumns: wider };
    await warehouse().merge(b, { ...spec, columns: wider, stagedColumns: wider }, factSpan(batch().unit as FactUnit), 'ignore', { heartbeat: () => undefined });
    const sqls = api.batches[0]!.Sqls;
    expect(sqls.find((s) => s.startsWith('CREATE TEMP TABLE tributary_stage'))).toContain('c3 VARCHAR(65535)');
    expect(sqls.join('\n')).not.toContain('"extra"');
    expect(api.executed.some((s) => s.includes('ADD COLUMN'))).toBe(false);
    await expect(warehouse().merge(b, { ...spec, columns: wider, stagedColumns: wider }, factSpan(batch().unit as FactUnit), 'fail', { heartbeat: () => undefined })).rejects.toThrow(
      'pipeline orders, source app/us: the source has new column(s) extra that analytics.orders lacks',
    );
  });

  it('outside the batch: adds a new column ("add") and widens a VARCHAR narrower than the source type ("widen")', async () => {
    const wider = [{ name: 'id', type: 'bigint' }, { name: 'note', type: 'character varying(40)' }, columns[2]!, { name: 'extra', type: 'jsonb' }];
    const api = scriptedRedshift([], { noteBytes: 100 });
    await warehouse().merge({ ...batch(), columns: wider, stagedColumns: wider }, { ...spec, columns: wider, stagedColumns: wider }, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined });
    expect(api.executed).toContain('ALTER TABLE "analytics"."orders" ADD COLUMN "extra" SUPER');
    expect(api.executed).toContain('ALTER TABLE "analytics"."orders" ALTER COLUMN "note" TYPE VARCHAR(160)');
    expect(api.batches).toHaveLength(1);
  });

  it('refuses a source numeric wider than its DECIMAL target, which Redshift cannot retype in place', async () => {
    const wider = [...columns, { name: 'amount', type: 'numeric(14,4)' }];
    scriptedRedshift([], { amount: [10, 2] });
    await expect(warehouse().merge({ ...batch(), columns: wider, stagedColumns: wider }, { ...spec, columns: wider, stagedColumns: wider }, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined })).rejects.toThrow(
      'pipeline orders, source app/us: column amount is numeric(14,4) at the source, but analytics.orders keeps it as DECIMAL(10,2)',
    );
    const same = [...columns, { name: 'amount', type: 'numeric(10,2)' }];
    const api = scriptedRedshift([], { amount: [12, 2] });
    await warehouse().merge({ ...batch(), columns: same, stagedColumns: same }, { ...spec, columns: same, stagedColumns: same }, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined });
    expect(api.batches).toHaveLength(1);
  });

  it('refuses a file stage, naming the pipeline and source', async () => {
    const deps = { stage: { describe: 'file stage' } } as unknown as ActivityDeps;
    const w = new RedshiftWarehouse(deps, cfg, new DataApi(new RedshiftDataClient({}), cfg, DEFAULT_POLL, noSleep));
    await expect(w.merge(batch(), spec, factSpan(batch().unit as FactUnit), 'add', { heartbeat: () => undefined })).rejects.toThrow('pipeline orders, source app/us: the Redshift warehouse loads from S3');
  });
});

describe('Data API auth from config', () => {
  it('Serverless workgroup, cluster with a database user, or a secret ARN', () => {
    expect(targetParams({ database: 'dev', workgroup: 'bi' })).toEqual({ Database: 'dev', WorkgroupName: 'bi' });
    expect(targetParams({ database: 'dev', clusterIdentifier: 'c1', dbUser: 'loader' })).toEqual({ Database: 'dev', ClusterIdentifier: 'c1', DbUser: 'loader' });
    expect(targetParams({ database: 'dev', clusterIdentifier: 'c1', secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:s' })).toEqual({
      Database: 'dev',
      ClusterIdentifier: 'c1',
      SecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:s',
    });
    expect(targetParams({ database: 'dev', workgroup: 'bi', secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:s' })).toEqual({
      Database: 'dev',
      WorkgroupName: 'bi',
      SecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:s',
    });
  });
});

describe('the merge limit per workgroup or cluster', () => {
  it('in one process: at most `limit` merges hold a slot, across all pipelines', async () => {
    const opts = { targetId: 'workgroup/limit-test', limit: 2, activeOnWarehouse: () => Promise.resolve(0), sleep: noSleep };
    const a = await acquireMergeSlot(opts);
    const b = await acquireMergeSlot(opts);
    let third = false;
    const c = acquireMergeSlot(opts).then((r) => {
      third = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    a();
    (await c)();
    expect(third).toBe(true);
    b();
  });

  it('across processes: waits while the warehouse already runs `limit` merges (ListStatements at role level)', async () => {
    redshift.on(ListStatementsCommand).callsFake((input: { Status: string; StatementName: string; RoleLevel: boolean; WorkgroupName: string }) => {
      expect(input).toMatchObject({ StatementName: MERGE_STATEMENT_PREFIX, RoleLevel: true, WorkgroupName: 'bi' });
      const running = input.Status === 'STARTED' ? [{ Id: 'x', StatementName: `${MERGE_STATEMENT_PREFIX}a` }] : [];
      return { Statements: input.Status === 'SUBMITTED' ? [{ Id: 'y', StatementName: `${MERGE_STATEMENT_PREFIX}b` }] : running };
    });
    const api = new DataApi(new RedshiftDataClient({}), cfg, DEFAULT_POLL, noSleep);
    expect(await api.activeStatements(MERGE_STATEMENT_PREFIX)).toBe(2);

    const seen = [2, 2, 1];
    const sleeps: number[] = [];
    const release = await acquireMergeSlot({
      targetId: 'workgroup/cross-test',
      limit: 2,
      activeOnWarehouse: () => Promise.resolve(seen.shift() ?? 0),
      sleep: (ms) => Promise.resolve(void sleeps.push(ms)),
    });
    expect(sleeps).toHaveLength(2);
    expect(seen).toEqual([]);
    release();
  });
});

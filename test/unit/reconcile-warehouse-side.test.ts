// Verify and repair on Redshift at the Data API boundary (the client mocked): the statements sent
// for the bucket checksums and rows, a topic target's offsets and dead letters, a fact repair's
// delete with its ledger row, a CDC repair's delete below an LSN, a resnapshot's deletes of the
// rows it did not write, how answers are read, and what is refused without a statement.
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchExecuteStatementCommand, DescribeStatementCommand, ExecuteStatementCommand, GetStatementResultCommand, ListStatementsCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { ApplicationFailure } from '@temporalio/common';
import { redshiftSide } from '../../activities/reconcile/redshift-side.js';
import { DataApi } from '../../activities/warehouse/redshift/data-api.js';
import type { BucketTable } from '../../activities/reconcile/bucket-sql.js';
import { bucketAggregateSql } from '../../activities/reconcile/bucket-sql.js';
import { canonicalProblems, keyTextOfValues } from '../../activities/warehouse/redshift/row-text.js';
import { cfg } from './redshift-fixtures.js';
import { redshiftDeleteExtraBatch, sourceRowForm } from '../../activities/warehouse/redshift/bucket-sql.js';
import { warehouseRepairBlocker, warehouseResnapshotDeleteBlocker, warehouseVerifyBlocker } from '../../activities/reconcile/warehouse-blocker.js';
import type { DeleteExtra } from '../../activities/reconcile/side.js';

const redshift = mockClient(RedshiftDataClient);
const api = () => new DataApi(new RedshiftDataClient({ region: 'us-east-1' }), cfg, { initialMs: 1, maxMs: 1, maxSubmissions: 2, maxPollErrors: 2 }, () => Promise.resolve());

const columns = [
  { name: 'id', type: 'bigint' },
  { name: 'amount', type: 'numeric(12,2)' },
  { name: 'paid', type: 'boolean' },
  { name: 'updated_at', type: 'timestamp with time zone' },
];
const target: BucketTable = { schema: 'analytics', table: 'orders', key: ['id'], columns, watermark: { column: 'updated_at', type: 'timestamp with time zone' }, warehouse: { source: 'app/us', softDeletes: false } };

describe('the Redshift side of verify', () => {
  beforeEach(() => {
    redshift.reset();
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q1' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'q1', Status: 'FINISHED', HasResultSet: true, ResultRows: 3 });
  });

  it('computes bucket checksums in Redshift SQL and reads the scripted answer', async () => {
    redshift.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: 'bucket_no' }, { name: 'row_count' }, { name: 'total' }],
      Records: [[{ longValue: 3 }, { longValue: 2 }, { stringValue: '1845281729934615123' }]],
    });
    const out = await redshiftSide(api(), 'tributary_state').aggregates(target, 16, '2026-01-01 00:00:00+00', [3, 9]);
    expect(out).toEqual([{ bucket: 3, rows: 2, total: '1845281729934615123' }]);
    const sent = redshift.commandCalls(ExecuteStatementCommand)[0]!.args[0].input;
    expect(sent.WorkgroupName).toBe('bi');
    expect(sent.Sql).toContain('STRTOL(SUBSTRING(MD5(');
    expect(sent.Sql).toContain('CAST(SUM(CAST(n AS DECIMAL(38,0))) AS VARCHAR(40))');
    expect(sent.Sql).toContain(`"updated_at" < CAST(:cutoff AS TIMESTAMPTZ)`);
    expect(sent.Sql).toContain('WHERE b IN (3, 9) GROUP BY b');
    expect(sent.Sql).not.toMatch(/ROW\(|::/);
    expect(sent.Parameters).toEqual([
      { name: 'source', value: 'app/us' },
      { name: 'cutoff', value: '2026-01-01 00:00:00+00' },
    ]);
  });

  it('reads the rows of some buckets, and resets row hashes counting the rows changed', async () => {
    redshift.on(GetStatementResultCommand).resolves({ ColumnMetadata: [{ name: 'b' }, { name: 'k' }, { name: 'h' }], Records: [[{ longValue: 3 }, { stringValue: 'Vabc' }, { stringValue: 'f00' }]] });
    const side = redshiftSide(api(), 'tributary_state');
    expect(await side.bucketRows(target, 16, null, [3])).toEqual([{ bucket: 3, key: 'Vabc', hash: 'f00', pending: false }]);
    expect(await side.invalidateHashes(target, 'app/us', ["V'x"])).toBe(3);
    const update = redshift.commandCalls(ExecuteStatementCommand)[1]!.args[0].input.Sql!;
    expect(update).toMatch(/^UPDATE "analytics"\."orders" SET _row_hash = NULL WHERE _source = 'app\/us' AND .* IN \('V''x'\)$/s);
  });

  it("reads a PostGIS column as its target stores it: hex EWKB of a GEOMETRY, the text of a CDC target's VARCHAR", async () => {
    const shape = { name: 'Shape', type: 'text', sourceType: 'geometry(Point,4326)' };
    const withShape: BucketTable = { ...target, columns: [...columns, shape] };
    for (const [dataType, expr] of [['geometry', 'ST_AsHexEWKB("shape")'], ['character varying', 'CAST("shape" AS VARCHAR(65535))']] as const) {
      redshift.reset();
      redshift.on(ExecuteStatementCommand).resolves({ Id: 'q1' });
      redshift.on(DescribeStatementCommand).resolves({ Id: 'q1', Status: 'FINISHED', HasResultSet: true });
      redshift
        .on(GetStatementResultCommand)
        .resolvesOnce({ ColumnMetadata: [{ name: 'column_name' }, { name: 'data_type' }], Records: [[{ stringValue: 'id' }, { stringValue: 'bigint' }], [{ stringValue: 'shape' }, { stringValue: dataType }]] })
        .resolves({ ColumnMetadata: [{ name: 'bucket_no' }, { name: 'row_count' }, { name: 'total' }], Records: [] });
      await redshiftSide(api(), 'tributary_state').aggregates(withShape, 16, null, null);
      const [types, sums] = redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
      expect(types!.Sql).toContain('information_schema.columns');
      expect(types!.Parameters).toEqual([{ name: 'schema', value: 'analytics' }, { name: 'table', value: 'orders' }]);
      expect(sums!.Sql, dataType).toContain(`MD5(${expr})`);
    }
    // Without a PostGIS column no type is read: one statement.
    redshift.resetHistory();
    await redshiftSide(api(), 'tributary_state').aggregates(target, 16, null, null);
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });

  it('gives the source the same canonical form (no record text) and refuses what it cannot compare, before any statement', async () => {
    const side = redshiftSide(api(), 'tributary_state');
    const src = bucketAggregateSql({ ...target, warehouse: undefined, form: side.sourceForm }, 16, null);
    expect(src.sql).not.toContain('ROW(');
    expect(src.sql).toContain(`TO_CHAR(("updated_at") AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`);
    expect(canonicalProblems([{ name: 'r', type: 'real' }, { name: 't', type: 'time with time zone' }])).toBeNull();
    expect(canonicalProblems([{ name: 'tags', type: 'text[]' }])).toMatch(/column "tags" \(text\[\]\): it is SUPER/);
    expect(canonicalProblems([{ name: 'doc', type: 'jsonb' }])).toMatch(/column "doc" \(jsonb\): it is SUPER/);
    const err = await side.aggregates({ ...target, columns: [...columns, { name: 'doc', type: 'jsonb' }] }, 16, null, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });
});

const results = (...answers: { names: string[]; rows: unknown[][] }[]) => {
  let chain = redshift.on(GetStatementResultCommand);
  for (const a of answers) {
    chain = chain.resolvesOnce({
      ColumnMetadata: a.names.map((name) => ({ name })),
      Records: a.rows.map((r) => r.map((v) => (typeof v === 'number' ? { longValue: v } : { stringValue: String(v) }))),
    });
  }
};
const sentSql = () => redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);

describe('topic verify on Redshift', () => {
  beforeEach(() => {
    redshift.reset();
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q1' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'q1', Status: 'FINISHED', HasResultSet: true });
  });
  const range = { source: 'kafka/us', partition: 2, from: 10, to: 20 };

  it("reads the offsets a target's rows of one cluster hold in a partition range", async () => {
    results({ names: ['column_name'], rows: [['kafka_offset']] }, { names: ['o'], rows: [[12], [15]] });
    expect(await redshiftSide(api(), 'tributary_state').targetOffsets({ schema: 'Events', table: 'clicks' }, range)).toEqual([12, 15]);
    const [columns, offsets] = sentSql();
    expect(columns!.Parameters).toEqual([{ name: 'schema', value: 'events' }, { name: 'table', value: 'clicks' }]);
    expect(offsets!.Sql).toBe('SELECT kafka_offset AS o FROM "events"."clicks" WHERE _source = :source AND kafka_partition = CAST(:partition AS INTEGER) AND kafka_offset >= CAST(:from AS BIGINT) AND kafka_offset < CAST(:to AS BIGINT)');
    expect(offsets!.Parameters).toEqual([{ name: 'source', value: 'kafka/us' }, { name: 'partition', value: '2' }, { name: 'from', value: '10' }, { name: 'to', value: '20' }]);
  });

  it('reads the dead letters of the range, retention gaps left out, and no table as none', async () => {
    results({ names: ['column_name'], rows: [['kafka_offset']] }, { names: ['o'], rows: [[11]] }, { names: ['column_name'], rows: [] });
    const side = redshiftSide(api(), 'tributary_state');
    expect(await side.deadLetterOffsets('clicks', 'web.clicks', range)).toEqual([11]);
    const dead = sentSql()[1]!;
    expect(dead.Sql).toContain('FROM "tributary_state"."tributary_dead_letters"');
    expect(dead.Sql).toContain("AND reason <> 'retention-gap'");
    expect(dead.Parameters).toContainEqual({ name: 'pipeline', value: 'clicks' });
    expect(dead.Parameters).toContainEqual({ name: 'topic', value: 'web.clicks' });
    expect(await side.targetOffsets({ schema: 'events', table: 'missing' }, range)).toEqual([]);
    expect(sentSql()).toHaveLength(3);
  });
});

describe('fact repair on Redshift', () => {
  const request: DeleteExtra = {
    ledgerId: 'repair-1:delete',
    pipeline: 'orders',
    region: 'us',
    source: 'app/us',
    stream: 'public.orders',
    cutoff: '2026-01-01 00:00:00+00',
    target,
    key: [columns[0]!],
    keep: [['1']],
    keepTexts: ['Vkept'],
    buckets: 16,
    only: [3],
  };

  beforeEach(() => {
    redshift.reset();
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q1' });
    redshift.on(ListStatementsCommand).resolves({ Statements: [] });
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'b1' });
    redshift.on(DescribeStatementCommand).callsFake((input: { Id: string }) => ({ Id: input.Id, Status: 'FINISHED', HasResultSet: true }));
  });

  it("deletes the buckets' keys the source lacks in one batch with its ledger row, and reads the count back", async () => {
    results({ names: ['deleted'], rows: [] }, { names: ['b', 'k', 'h'], rows: [[3, 'Vkept', 'h1'], [3, "Vgo'ne", 'h2']] }, { names: ['done', 'deleted'], rows: [[0, 1]] });
    expect(await redshiftSide(api(), 'tributary_state').deleteExtra(request)).toBe(1);
    const batch = redshift.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input;
    expect(batch.StatementName).toBe('tributary-repair/repair-1:delete');
    const sqls = batch.Sqls!;
    expect(sqls[0]).toBe('LOCK "analytics"."orders"');
    expect(sqls).toContain(`INSERT INTO tributary_extra VALUES ('Vgo''ne')`);
    expect(sqls.find((x) => x.startsWith('DELETE'))).toMatch(/^DELETE FROM "analytics"."orders" WHERE _source = :source AND \(\(STRTOL\(.* IN \(3\)\s+AND .* IN \(SELECT k FROM tributary_extra\) AND EXISTS \(SELECT 1 FROM tributary_state WHERE done = 0\)$/s);
    expect(sqls.find((x) => x.startsWith('INSERT INTO "tributary_state"."tributary_batches"'))).toContain('WHERE s.done = 0');
    expect(batch.Parameters).toContainEqual({ name: 'checksum', value: 'repair:buckets 3 of 16' });
    expect(batch.Parameters).toContainEqual({ name: 'range_to', value: '2026-01-01 00:00:00+00' });
    // The count is read from the batch's last statement.
    expect(redshift.commandCalls(GetStatementResultCommand)[2]!.args[0].input.Id).toBe(`b1:${sqls.length}`);
  });

  it('refuses at once, naming pipeline, region, source and table, more keys than one batch holds', () => {
    const extra = Array.from({ length: 60_000 }, (_, i) => `V${i.toString(16).padStart(32, '0')}`);
    const values = { batchId: 'r', pipeline: 'orders', region: 'us', source: 'app/us', stream: 'public.orders', rangeTo: null, checksum: 'repair', loadedAt: '2026-01-01T00:00:00Z' };
    const t = { schema: 'analytics', table: 'orders', key: [columns[0]!], columns, source: 'app/us', softDeletes: false };
    let err: unknown;
    try {
      redshiftDeleteExtraBatch(t, 'tributary_state', { buckets: 16, only: [3], extra }, values);
    } catch (e) {
      err = e;
    }
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toBe('pipeline orders, region us, source app/us, table analytics.orders: the repair would delete 60000 keys the source lacks, more than one Redshift batch (40 statements of 100 KB) holds; nothing was deleted');
    // Up to the limit, one batch: every statement fits the Data API.
    const plan = redshiftDeleteExtraBatch(t, 'tributary_state', { buckets: 16, only: [3], extra: extra.slice(0, 40_000) }, values);
    expect(plan.sqls.length).toBeLessThanOrEqual(40);
  });

  it('returns the count of a delete already in the ledger without a batch', async () => {
    results({ names: ['deleted'], rows: [[4]] });
    expect(await redshiftSide(api(), 'tributary_state').deleteExtra(request)).toBe(4);
    expect(sentSql()[0]!.Parameters).toEqual([{ name: 'batch_id', value: 'repair-1:delete' }]);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });
});

// What the CDC deletes below an LSN (a repair's, a resnapshot's) are tried on: a composite key, two clusters, a cluster's secret.
const cdcTarget = { schema: 'analytics', table: 'orders', key: ['tag', 'id'], columns: [{ name: 'tag', type: 'text' }, ...columns], warehouse: { source: ['kafka/a', 'kafka/b'], softDeletes: false } };
const withSecret = { ...cfg, workgroup: undefined, clusterIdentifier: 'bi', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:warehouse-x1y2' };
const label = 'pipeline orders-cdc, region us, source app/us, table analytics.orders';
/** A batch that finishes, and `deleted` rows read back. */
function deleteBatchAnswers(deleted: number) {
  redshift.reset();
  redshift.on(ListStatementsCommand).resolves({ Statements: [] });
  redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'b1' });
  redshift.on(DescribeStatementCommand).callsFake((input: { Id: string }) => ({ Id: input.Id, Status: 'FINISHED', HasResultSet: true }));
  results({ names: ['deleted'], rows: [[deleted]] });
}

/** A hard delete's batch as sent with withSecret: the LSN its one parameter, the secret in neither, its count read from its last statement. */
function hardBatchSent(batch: { Sqls?: string[]; Parameters?: unknown[]; SecretArn?: string }, lsn: string) {
  expect(batch.Parameters).toEqual([{ name: 'lsn', value: lsn }]);
  expect(batch.SecretArn).toBe(withSecret.secretArn);
  // The secret is the request's credential only: in no statement or parameter.
  expect(JSON.stringify([batch.Sqls, batch.Parameters])).not.toContain(withSecret.secretArn);
  expect(redshift.commandCalls(GetStatementResultCommand)[0]!.args[0].input.Id).toBe(`b1:${batch.Sqls!.length}`);
}

describe('CDC repair on Redshift', () => {
  beforeEach(() => deleteBatchAnswers(2));

  it('names keys by their canonical texts on both sides, unhashed, a composite key escaped so keys stay apart', () => {
    const key = [{ name: 'tag', type: 'text' }, { name: 'id', type: 'bigint' }];
    const escaped = (t: string) => `COALESCE(REPLACE(REPLACE(${t}, '~', '~~'), ',', '~,'), '~-')`;
    expect(sourceRowForm.key(key)).toBe(`${escaped('("tag")::text')} || ',' || ${escaped('("id")::text')}`);
    expect(sourceRowForm.key([key[1]!])).toBe(`COALESCE(("id")::text, '~-')`);
  });

  it('deletes the keys the source lacks whose rows are older than the LSN, in one batch under the lock, and reads the count back', async () => {
    const dataApi = new DataApi(new RedshiftDataClient({ region: 'us-east-1' }), withSecret, { initialMs: 1, maxMs: 1, maxSubmissions: 2, maxPollErrors: 2 }, () => Promise.resolve());
    expect(await redshiftSide(dataApi, 'tributary_state').deleteKeysBefore(cdcTarget, ['a~,b,2', "x\\y'z,3"], '123456789', label)).toBe(2);
    const batch = redshift.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input;
    expect(batch.StatementName).toBe('tributary-cdc-repair/analytics.orders/kafka/a,kafka/b/123456789');
    const escaped = (t: string) => `COALESCE(REPLACE(REPLACE(CAST(${t} AS VARCHAR(65535)), '~', '~~'), ',', '~,'), '~-')`;
    const keyText = `${escaped('"tag"')} || ',' || ${escaped('"id"')}`;
    const rows = `"analytics"."orders" WHERE _source IN ('kafka/a', 'kafka/b') AND "_lsn" < CAST(:lsn AS DECIMAL(20,0)) AND ${keyText} IN (SELECT k FROM tributary_extra)`;
    expect(batch.Sqls).toEqual([
      'LOCK "analytics"."orders"',
      'CREATE TEMP TABLE tributary_extra (k VARCHAR(65535))',
      // A backslash goes as CHR(92), which reads alike whether or not the engine takes it for an escape.
      `INSERT INTO tributary_extra VALUES ('a~,b,2'), (('x' || CHR(92) || 'y''z,3'))`,
      `CREATE TEMP TABLE tributary_deleted AS SELECT COUNT(*) AS n FROM ${rows}`,
      `DELETE FROM ${rows}`,
      'SELECT n AS deleted FROM tributary_deleted',
    ]);
    hardBatchSent(batch, '123456789');
  });

  it('with soft deletes marks the live rows deleted at the LSN instead', async () => {
    await redshiftSide(api(), 'tributary_state').deleteKeysBefore({ ...cdcTarget, warehouse: { ...cdcTarget.warehouse, softDeletes: true } }, ['b,7'], '42', label);
    const batch = redshift.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input;
    const mark = batch.Sqls!.find((x) => x.startsWith('UPDATE'))!;
    expect(mark).toMatch(/^UPDATE "analytics"\."orders" SET "_deleted" = TRUE, "_deleted_at" = CAST\(:loaded_at AS TIMESTAMPTZ\), "_lsn" = CAST\(:lsn AS DECIMAL\(20,0\)\), "_loaded_at" = CAST\(:loaded_at AS TIMESTAMPTZ\) WHERE _source IN \('kafka\/a', 'kafka\/b'\) AND NOT _deleted AND "_lsn" < /);
    expect(batch.Sqls!.some((x) => x.startsWith('DELETE'))).toBe(false);
    expect(batch.Parameters!.map((x) => x.name)).toEqual(['lsn', 'loaded_at']);
  });

  it('refuses more keys than one batch holds at once, naming pipeline, region, source and table, with no statement', async () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => i.toString(16).padStart(40, '0'));
    const err = await redshiftSide(api(), 'tributary_state').deleteKeysBefore(cdcTarget, keys, '1', label).catch((e: unknown) => e);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toBe(`${label}: the repair would delete 60000 keys the source lacks, more than one Redshift batch (40 statements of 100 KB) holds; nothing was deleted`);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });
});

describe('resnapshot deletes on Redshift', () => {
  const intKey = { ...cdcTarget, key: ['shop', 'id'], columns: [{ name: 'shop', type: 'integer' }, ...columns] };
  const sentBatch = () => redshift.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input;

  beforeEach(() => deleteBatchAnswers(5));

  it("names the keys a resnapshot was given by the key text keyTextOf computes in SQL: a composite key's values escaped", () => {
    expect(keyTextOfValues(['a,b', '2'])).toBe('a~,b,2');
    expect(keyTextOfValues(['~', '5'])).toBe('~~,5');
    expect(keyTextOfValues(['x~,', '9'])).toBe('x~~~,,9');
    // One column: its text as it is, as keyTextOf leaves it.
    expect(keyTextOfValues(['a,b'])).toBe('a,b');
  });

  it('at the end deletes every row of the clusters older than the signal, in one batch under the lock, and reads the count back', async () => {
    const dataApi = new DataApi(new RedshiftDataClient({ region: 'us-east-1' }), withSecret, { initialMs: 1, maxMs: 1, maxSubmissions: 2, maxPollErrors: 2 }, () => Promise.resolve());
    expect(await redshiftSide(dataApi, 'tributary_state').deleteOlderRows(cdcTarget, '123456789', {}, label)).toBe(5);
    const batch = sentBatch();
    expect(batch.StatementName).toBe('tributary-resnapshot-delete/analytics.orders/123456789/end');
    const rows = `"analytics"."orders" WHERE _source IN ('kafka/a', 'kafka/b') AND "_lsn" < CAST(:lsn AS DECIMAL(20,0))`;
    // No key named: no key text is computed, so a key of any type is deleted at the end.
    expect(batch.Sqls).toEqual([
      'LOCK "analytics"."orders"',
      `CREATE TEMP TABLE tributary_deleted AS SELECT COUNT(*) AS n FROM ${rows}`,
      `DELETE FROM ${rows}`,
      'SELECT n AS deleted FROM tributary_deleted',
    ]);
    hardBatchSent(batch, '123456789');
  });

  it("per chunk window marks the live rows of the given keys up to the chunk's last key, the bound spelled out in key order", async () => {
    const soft = { ...intKey, warehouse: { ...intKey.warehouse, softDeletes: true } };
    await redshiftSide(api(), 'tributary_state').deleteOlderRows(soft, '42', { keys: [['1', '7'], ['2', "9'"]], upTo: ['2', '-5'] }, label);
    const batch = sentBatch();
    expect(batch.StatementName).toBe('tributary-resnapshot-delete/analytics.orders/42/2,-5');
    const keyText = `COALESCE(REPLACE(REPLACE(CAST("shop" AS VARCHAR(65535)), '~', '~~'), ',', '~,'), '~-') || ',' || COALESCE(REPLACE(REPLACE(CAST("id" AS VARCHAR(65535)), '~', '~~'), ',', '~,'), '~-')`;
    const up = (i: number) => `CAST(:up_${i} AS DECIMAL(20,0))`;
    const rows = `_source IN ('kafka/a', 'kafka/b') AND NOT _deleted AND "_lsn" < CAST(:lsn AS DECIMAL(20,0)) AND ${keyText} IN (SELECT k FROM tributary_extra) AND ("shop" < ${up(0)} OR ("shop" = ${up(0)} AND "id" <= ${up(1)}))`;
    expect(batch.Sqls).toEqual([
      'LOCK "analytics"."orders"',
      'CREATE TEMP TABLE tributary_extra (k VARCHAR(65535))',
      `INSERT INTO tributary_extra VALUES ('1,7'), ('2,9''')`,
      `CREATE TEMP TABLE tributary_deleted AS SELECT COUNT(*) AS n FROM "analytics"."orders" WHERE ${rows}`,
      `UPDATE "analytics"."orders" SET "_deleted" = TRUE, "_deleted_at" = CAST(:loaded_at AS TIMESTAMPTZ), "_lsn" = CAST(:lsn AS DECIMAL(20,0)), "_loaded_at" = CAST(:loaded_at AS TIMESTAMPTZ) WHERE ${rows}`,
      'SELECT n AS deleted FROM tributary_deleted',
    ]);
    expect(batch.Parameters!.map((x) => x.name)).toEqual(['lsn', 'up_0', 'up_1', 'loaded_at']);
    expect(batch.Parameters!.slice(0, 3).map((x) => x.value)).toEqual(['42', '2', '-5']);
  });

  it('refuses at once, naming pipeline, region, source and table, more keys than one batch holds, with no statement', async () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => ['a', i.toString(16).padStart(40, '0')]);
    const err = await redshiftSide(api(), 'tributary_state').deleteOlderRows(cdcTarget, '1', { keys }, label).catch((e: unknown) => e);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toBe(`${label}: the resnapshot's deletes name 60000 keys, more than one Redshift batch (40 statements of 100 KB) holds; nothing was deleted`);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });
});

describe('what Redshift verifies and repairs', () => {
  it("verifies and repairs every kind it verifies, and deletes what a resnapshot did not write", () => {
    for (const kind of ['fact', 'dimension', 'topic', 'cdc']) expect(warehouseVerifyBlocker(cfg, kind), kind).toBeUndefined();
    for (const kind of ['fact', 'dimension', 'cdc']) expect(warehouseRepairBlocker(cfg, kind), kind).toBeUndefined();
    expect(warehouseResnapshotDeleteBlocker(cfg)).toBeUndefined();
    expect(warehouseResnapshotDeleteBlocker({ type: 'postgres', schema: 'x', secret: 'w' } as never)).toBeUndefined();
  });
});

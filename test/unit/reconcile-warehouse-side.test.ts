// Verify on Redshift at the Data API boundary (the client mocked): the statements sent for the
// bucket checksums and rows, how answers are read, and what is refused without a statement.
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeStatementCommand, ExecuteStatementCommand, GetStatementResultCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { ApplicationFailure } from '@temporalio/common';
import { redshiftSide } from '../../activities/reconcile/redshift-side.js';
import { DataApi } from '../../activities/warehouse/redshift/data-api.js';
import type { BucketTable } from '../../activities/reconcile/bucket-sql.js';
import { bucketAggregateSql } from '../../activities/reconcile/bucket-sql.js';
import { canonicalProblems } from '../../activities/warehouse/redshift/row-text.js';
import { cfg } from './redshift-fixtures.js';

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
    const out = await redshiftSide(api()).aggregates(target, 16, '2026-01-01 00:00:00+00', [3, 9]);
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
    const side = redshiftSide(api());
    expect(await side.bucketRows(target, 16, null, [3])).toEqual([{ bucket: 3, key: 'Vabc', hash: 'f00', pending: false }]);
    expect(await side.invalidateHashes(target, 'app/us', ["V'x"])).toBe(3);
    const update = redshift.commandCalls(ExecuteStatementCommand)[1]!.args[0].input.Sql!;
    expect(update).toMatch(/^UPDATE "analytics"\."orders" SET _row_hash = NULL WHERE _source = 'app\/us' AND .* IN \('V''x'\)$/s);
  });

  it('gives the source the same canonical form (no record text) and refuses what it cannot compare, before any statement', async () => {
    const side = redshiftSide(api());
    const src = bucketAggregateSql({ ...target, warehouse: undefined, form: side.sourceForm }, 16, null);
    expect(src.sql).not.toContain('ROW(');
    expect(src.sql).toContain(`TO_CHAR(("updated_at") AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`);
    expect(canonicalProblems([{ name: 'r', type: 'real' }])).toMatch(/column "r" \(real\): Redshift's text of a float/);
    expect(canonicalProblems([{ name: 'doc', type: 'jsonb' }])).toMatch(/column "doc" \(jsonb\): it is SUPER/);
    const err = await side.aggregates({ ...target, columns: [...columns, { name: 'doc', type: 'jsonb' }] }, 16, null, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    const del = await side.deleteExtra({} as never).catch((e: unknown) => e);
    expect((del as Error).message).toMatch(/not built for a Redshift warehouse yet/);
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });
});

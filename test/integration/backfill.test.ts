// Backfills on the real stack: a 1 M-row past range that the incremental runs never saw (rows
// imported late with old timestamps) is re-synced in chunks while its worker process is
// SIGKILLed; it resumes on a new worker, continues as new to keep its history short, reports
// progress by query and search attributes, leaves the checkpoint alone, and ends with
// warehouse == source. A dimension backfill is a full re-sync.
import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import pg from 'pg';
import { backfillProgress, runBackfill, startBackfill } from '../../client/backfill.js';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { workflowBundleOptions } from '../../workers/workflows-path.js';
import { CHUNKS_DONE_KEY, CHUNKS_TOTAL_KEY } from '../../names/search-attributes.js';
import { backfillWorkflowId } from '../../names/temporal-ids.js';
import type { BackfillProgress } from '../../activities/types.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, insertRows } from './fact-fixture.js';
import { startHarness } from './harness.js';
import { ROOT, STACK, stackConfig, uniqueName, withClient, writeConfigFile } from './stack.js';
import { killProcess, startWorkerProcess } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('bf_orders');
const dimTable = uniqueName('bf_customers');
let config: TributaryConfig;
let configFile: string;
let client: Client;
const children: ChildProcess[] = [];

const FROM = '2025-06-01T00:00:00Z';
const TO = '2025-06-02T00:00:00Z';

function startWorker(): ChildProcess {
  const child = startWorkerProcess(configFile, 'us');
  children.push(child);
  return child;
}

const kill = killProcess;

async function checkpoint(): Promise<string | undefined> {
  const res = await withClient(STACK.warehouse, (c) =>
    c.query<{ position: string }>(`SELECT position FROM ${ident(config.warehouse.schema)}.tributary_checkpoints WHERE pipeline = 'orders'`),
  );
  return res.rows[0]?.position;
}

beforeAll(async () => {
  config = stackConfig(
    [{ name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0, chunkRows: 25_000, maxParallel: 2 } }],
    { heartbeatTimeoutSeconds: 3 },
  );
  configFile = writeConfigFile(config);
  await createFactTable('us', table, 1_000);
  client = await connectClient(config);
});

afterAll(async () => {
  for (const c of children) await kill(c);
  await client?.connection.close();
  await dropFactTable(table);
  for (const url of Object.values(STACK.source)) await withClient(url, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(dimTable)}`));
  await dropSchema(config.warehouse.schema);
});

describe('fact backfill', () => {
  it('re-syncs a 1 M-row past range in chunks, survives a SIGKILL of its worker, and ends with warehouse == source', async () => {
    let worker = startWorker();
    await (await startPipeline(client, config, 'orders', 'us')).result();

    // Rows imported late with old timestamps: below the checkpoint, so no incremental run reads them.
    await withClient(STACK.source.us!, async (c) => {
      await insertRows(c, table, 1_000_001, 1_000_000, `'${FROM}'::timestamptz + (g - 1000001) * interval '50 milliseconds'`);
      // Just outside the range on both sides: the backfill must leave them out.
      await insertRows(c, table, 3_000_001, 5, `'${FROM}'::timestamptz - interval '1 microsecond'`);
      await insertRows(c, table, 3_000_011, 5, `'${TO}'::timestamptz`);
    });
    await (await startPipeline(client, config, 'orders', 'us')).result();
    const before = await checkpoint();
    expect(before).toBeDefined();
    const target = targetTable(config, config.pipelines[0]!);
    const missing = await withClient(STACK.warehouse, (c) =>
      c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(target[0])}.${ident(target[1])} WHERE id > 1000000`),
    );
    expect(Number(missing.rows[0]!.n), 'an incremental run does not see rows stamped below its checkpoint').toBe(0);

    // A short history limit makes the backfill continue as new several times.
    const handle = await startBackfill(client, config, { pipeline: 'orders', region: 'us', from: FROM, to: TO }, { maxHistoryEvents: 150 });
    expect(handle.workflowId).toBe(backfillWorkflowId(config, { pipeline: 'orders', region: 'us', from: '2025-06-01T00:00:00.000000Z', to: '2025-06-02T00:00:00.000000Z' }));
    let seen: BackfillProgress | undefined;
    for (let i = 0; i < 1200 && !(seen && seen.chunksDone >= 6); i++) {
      seen = await backfillProgress(client, handle);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen?.chunksTotal, 'the query reports the chunks').toBe(40);
    expect(seen!.chunksDone).toBeGreaterThanOrEqual(6);
    expect(seen!.chunksDone).toBeLessThan(40);
    await kill(worker);

    // Starting the same backfill again attaches to the one in flight instead of starting another.
    const again = await startBackfill(client, config, { pipeline: 'orders', region: 'us', from: new Date(FROM), to: new Date(TO) });
    expect((await again.describe()).raw.workflowExecutionInfo?.firstRunId).toBe(handle.firstExecutionRunId);

    worker = startWorker();
    const result = await handle.result();
    expect(result).toMatchObject({ chunksTotal: 40, chunksDone: 40, rowsStaged: 1_000_000 });
    expect(result.inserted, 'every chunk merged once: the ledger made re-runs no-ops').toBe(1_000_000);
    expect(result.runs, 'the history was kept short by continuing as new').toBeGreaterThan(1);
    expect(await checkpoint(), 'a backfill never moves the checkpoint').toBe(before);

    const d = await handle.describe();
    expect(d.typedSearchAttributes.get(CHUNKS_DONE_KEY)).toBe(40);
    expect(d.typedSearchAttributes.get(CHUNKS_TOTAL_KEY)).toBe(40);

    const outside = await withClient(STACK.warehouse, (c) =>
      c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(target[0])}.${ident(target[1])} WHERE id > 3000000`),
    );
    expect(Number(outside.rows[0]!.n), 'rows outside [from, to) are left alone').toBe(0);
    await withClient(STACK.source.us!, (c) => c.query(`DELETE FROM public.${ident(table)} WHERE id > 3000000`));
    expect(await expectWarehouseEqualsSource('us', table, target)).toBe(1_001_000);

    // The workflow replays from its own (last run's) history without a non-determinism error.
    const bundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
    await Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'backfill-replay' }, await handle.fetchHistory());
    await kill(worker);
  }, 900_000);

  it('refuses a range that is empty or has no end, naming the pipeline', async () => {
    await expect(startBackfill(client, config, { pipeline: 'orders', region: 'us', from: TO, to: FROM })).rejects.toThrow(/range is empty/);
    await expect(startBackfill(client, config, { pipeline: 'orders', region: 'us', from: FROM })).rejects.toThrow(/pipeline orders is a fact pipeline: give the past range/);
    await expect(startBackfill(client, config, { pipeline: 'orders', region: 'eu', from: FROM, to: TO })).rejects.toThrow(/does not run in region "eu"/);
  });
});

describe('dimension backfill', () => {
  it('is a full re-sync of the table', async () => {
    const dim = stackConfig([{ name: 'customers', kind: 'dimension', source: 'app', table: `public.${dimTable}`, key: ['id'], regions: ['us'] }], { schema: config.warehouse.schema });
    await withClient(STACK.source.us!, async (c) => {
      await c.query(`CREATE TABLE public.${ident(dimTable)} (id int PRIMARY KEY, name text NOT NULL)`);
      await c.query(`INSERT INTO public.${ident(dimTable)} SELECT g, 'customer ' || g FROM generate_series(1, 2000) g`);
    });
    const harness = await startHarness(dim, ['us']);
    try {
      await harness.run('customers', 'us');
      const [schema, tbl] = targetTable(dim, dim.pipelines[0]!);
      const t = `${ident(schema)}.${ident(tbl)}`;
      await withClient(STACK.warehouse, (c) => c.query(`DELETE FROM ${t} WHERE id <= 100`));
      const result = await runBackfill(harness.client, dim, { pipeline: 'customers', region: 'us' });
      expect(result).toMatchObject({ chunksTotal: 1, chunksDone: 1, rowsStaged: 2000, inserted: 100 });
      const rows = await withClient(STACK.warehouse, (c) => c.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`));
      expect(Number(rows.rows[0]!.n)).toBe(2000);
      await expect(runBackfill(harness.client, dim, { pipeline: 'customers', region: 'us', from: FROM, to: TO })).rejects.toThrow(/dimension: its backfill re-syncs the whole table/);

      // The CLI: JSON for scripts and exit 0 when done; bad usage exits 2 and says what to do.
      const dimFile = writeConfigFile(dim);
      const cli = (...args: string[]) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--config', dimFile], { cwd: ROOT }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
      const ok = await cli('backfill', 'customers', '--region', 'us', '--json');
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ pipeline: 'customers', region: 'us', chunksDone: 1, rowsStaged: 2000, inserted: 0 });
      const noRegion = await cli('backfill', 'customers');
      expect(noRegion.code).toBe(2);
      expect(noRegion.stderr).toMatch(/backfill needs --region R/);
      const withRange = await cli('backfill', 'customers', '--region', 'us', '--from', '2025-01-01', '--to', '2025-02-01');
      expect(withRange.code).toBe(2);
      expect(withRange.stderr).toMatch(/leave out --from and --to/);
    } finally {
      await harness.close();
    }
  });
});

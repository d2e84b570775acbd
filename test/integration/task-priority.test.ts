// Task-queue priority and fairness on the real Temporal server (it needs the matching dynamic
// config of infra/local/start.sh, see docs/deployment.md). With one activity slot, a backfill of
// source A keeps a backlog of extracts queued; a regular run of source B started meanwhile
// waits for at most the one backfill activity holding the slot before each of its own.
// Measured by the order activities start in, never by times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { startBackfill } from '../../client/backfill.js';
import { temporalConnectionOptions } from '../../client/temporal-connection.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import type { TributaryConfig } from '../../config/schema.js';
import { BACKFILL_PRIORITY_KEY } from '../../names/task-priority.js';
import { taskQueue } from '../../names/temporal-ids.js';
import { workflowBundleOptions } from '../../workers/workflows-path.js';
import { runReportSinks } from '../../workers/run-metrics-sink.js';
import { noopMetrics } from '../../activities/metrics/index.js';
import { createFactTable, dropFactTable, dropSchema, insertRows, usFactPipeline } from './fact-fixture.js';
import { PG_TLS, STACK, stackConfig, uniqueName, withClient } from './stack.js';

const tableA = uniqueName('prio_a');
const tableB = uniqueName('prio_b');
const FROM = '2025-06-01T00:00:00Z';
const TO = '2025-06-02T00:00:00Z';

interface Start {
  workflowId: string;
  activity: string;
  fairnessKey?: string;
  priorityKey?: number;
}

let config: TributaryConfig;
let client: Client;
const starts: Start[] = [];

/** The product's activities, each recording its start; a backfill's hold the one slot a while so its backlog stays queued. */
function recordingActivities(): Record<string, (...args: unknown[]) => Promise<unknown>> {
  const acts = createActivities(config) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        const info = Context.current().info;
        starts.push({ workflowId: info.workflowExecution?.workflowId ?? '', activity: name, fairnessKey: info.priority?.fairnessKey, priorityKey: info.priority?.priorityKey });
        if (info.priority?.priorityKey === BACKFILL_PRIORITY_KEY) await new Promise((r) => setTimeout(r, 500));
        return fn(...args);
      },
    ]),
  );
}

beforeAll(async () => {
  // Every run as its own plan, extract and merge activities, whose order and keys are the test.
  const fact = (name: string, source: string, table: string) => usFactPipeline(name, source, table, { lagSeconds: 0, smallReadRows: 0 });
  // Two sources on the one local server: B's endpoint id (and so its fairness key) is its own.
  config = stackConfig([fact('a_orders', 'app', tableA), fact('b_orders', 'crm', tableB)], {
    sources: { crm: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us', tls: PG_TLS }] } },
  });
  await createFactTable('us', tableA, 0);
  await createFactTable('us', tableB, 0);
  await withClient(STACK.source.us!, async (c) => {
    await insertRows(c, tableA, 1, 2_000, `'${FROM}'::timestamptz + g * interval '1 second'`);
    await insertRows(c, tableB, 1, 100);
  });
  client = await connectClient(config);
});

afterAll(async () => {
  await client?.connection.close();
  await dropFactTable(tableA);
  await dropFactTable(tableB);
  await dropSchema(config.warehouse.schema);
});

describe('task-queue priority and fairness', () => {
  it('a backfill of source A delays a regular run of source B by at most one activity slot', async () => {
    const workflowBundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
    const connection = await NativeConnection.connect(await temporalConnectionOptions(config, createSecretProvider(config.secrets)));
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: taskQueue(config, 'us'),
      workflowBundle,
      activities: recordingActivities(),
      maxConcurrentActivityTaskExecutions: 1,
      sinks: runReportSinks(noopMetrics),
    });
    await worker.runUntil(async () => {
      // First runs make both targets; the backfill range lies below A's checkpoint.
      await (await startPipeline(client, config, 'a_orders', 'us')).result();
      await (await startPipeline(client, config, 'b_orders', 'us')).result();
      starts.length = 0;

      // About 20 chunks, 8 in flight: with one slot, 7 extracts at least wait in the backlog.
      const backfill = await startBackfill(client, config, { pipeline: 'a_orders', region: 'us', from: FROM, to: TO, chunkRows: 100, maxParallel: 8 });
      while (starts.filter((s) => s.activity === 'extractToStage').length < 2) await new Promise((r) => setTimeout(r, 50));
      const run = await startPipeline(client, config, 'b_orders', 'us');
      const bFrom = starts.length;
      await run.result();
      const result = await backfill.result();
      expect(result.chunksTotal).toBeGreaterThanOrEqual(10);
      expect(result.chunksDone).toBe(result.chunksTotal);

      const isB = (s: Start) => s.workflowId === run.workflowId;
      const bAt = starts.map((s, i) => (isB(s) ? i : -1)).filter((i) => i >= 0);
      expect(bAt.map((i) => starts[i]!.activity)).toEqual(['planRange', 'extractToStage', 'mergeStaged']);
      // Before each of B's activities (from B's start on), at most one backfill activity took the slot.
      let prev = bFrom - 1;
      for (const i of bAt) {
        expect(i - prev - 1, `backfill activities started before B's ${starts[i]!.activity}`).toBeLessThanOrEqual(1);
        prev = i;
      }
      expect(starts.slice(prev + 1).some((s) => s.workflowId === backfill.workflowId), 'the backfill still had work queued when B finished').toBe(true);

      // Every activity carries its fairness key: the source server's endpoint id; the backfill's its lower priority.
      const backfillStarts = starts.filter((s) => s.workflowId === backfill.workflowId);
      expect(new Set(backfillStarts.map((s) => s.priorityKey))).toEqual(new Set([BACKFILL_PRIORITY_KEY]));
      expect(new Set(backfillStarts.filter((s) => s.activity !== 'planBackfill').map((s) => s.fairnessKey))).toEqual(new Set(['app/us']));
      expect(starts.filter((s) => isB(s) && s.activity !== 'planRange').map((s) => s.fairnessKey)).toEqual(['crm/us', 'crm/us']);
    });
    await connection.close();
  }, 180_000);
});

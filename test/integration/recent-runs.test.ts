// Status reads the recent runs of many pipelines from one shared listing of the deployment's sync
// runs, and lists a pipeline on its own only when that listing's budget ran out before it found
// the pipeline's last success. Checked against each pipeline's own listing on the real Temporal.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recentRuns, runsOf } from '../../client/recent-runs.js';
import type { TributaryConfig } from '../../config/schema.js';
import { PIPELINE_KEY, REGION_KEY } from '../../names/search-attributes.js';
import { syncWorkflowId, syncWorkflowIdPrefix } from '../../names/temporal-ids.js';
import { dropSchema } from './fact-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('rr_zones');
const missing = uniqueName('rr_missing');
let config: TributaryConfig;
let harness: Harness;

beforeAll(async () => {
  const dim = (name: string, t: string) => ({ name, kind: 'dimension' as const, source: 'app', table: `public.${t}`, target: `rr_${name}`, key: ['code'], regions: ['us'], schedule: '0 3 1 1 *' });
  config = stackConfig([dim('quiet', table), dim('busy', table), dim('failing', missing)]);
  await withClient(STACK.source.us!, async (c) => {
    await c.query(`CREATE TABLE public.${ident(table)} (code text PRIMARY KEY, name text)`);
    await c.query(`INSERT INTO public.${ident(table)} SELECT 'z' || g, 'zone ' || g FROM generate_series(1, 20) g`);
  });
  harness = await startHarness(config, ['us']);
  // Oldest first: quiet's success, failing's failure, then more runs of busy than the shared
  // listing's budget for two pairs (4 runs a pair), so quiet lies beyond it.
  await harness.run('quiet', 'us');
  expect(await failureOf(harness.run('failing', 'us'))).toContain(missing);
  for (let i = 0; i < 9; i++) await harness.run('busy', 'us');
  // Visibility follows the runs' close a moment later.
  const closed = `WorkflowType = 'syncPipeline' AND ExecutionStatus != 'Running' AND WorkflowId STARTS_WITH '${syncWorkflowIdPrefix(config)}'`;
  for (let i = 0; i < 100 && (await harness.client.workflow.count(closed)).count < 11; i++) await new Promise((r) => setTimeout(r, 200));
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await withClient(STACK.source.us!, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(table)}`));
  await dropSchema(config.warehouse.schema);
});

/** The pipeline's newest run of each status, from its own listing (the way status read it before). */
async function ownNewest(pipeline: string): Promise<Record<string, string>> {
  const query = `WorkflowType = 'syncPipeline' AND ${PIPELINE_KEY.name} = '${pipeline}' AND ${REGION_KEY.name} = 'us' AND WorkflowId STARTS_WITH '${syncWorkflowId(config, pipeline, 'us')}'`;
  const runs: WorkflowExecutionInfo[] = [];
  for await (const w of harness.client.workflow.list({ query })) runs.push(w);
  return newest(runs);
}

function newest(runs: WorkflowExecutionInfo[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of [...runs].sort((a, b) => b.closeTime!.getTime() - a.closeTime!.getTime())) out[w.status.name] ??= w.runId;
  return out;
}

it('finds each pipeline\'s newest success and failure, past the shared listing\'s budget too', async () => {
  const pairs = ['quiet', 'busy', 'failing'].map((pipeline) => ({ pipeline, region: 'us' }));
  for (const asked of [pairs, pairs.slice(0, 2)]) {
    const runs = await recentRuns(harness.client, config, asked);
    for (const { pipeline } of asked) expect(newest(runsOf(runs, pipeline, 'us')), pipeline).toEqual(await ownNewest(pipeline));
  }
  const runs = await recentRuns(harness.client, config, pairs);
  expect(Object.keys(newest(runsOf(runs, 'quiet', 'us')))).toEqual(['COMPLETED']);
  expect(Object.keys(newest(runsOf(runs, 'failing', 'us')))).toEqual(['FAILED']);
  expect(runsOf(runs, 'busy', 'us').every((w) => w.status.name === 'COMPLETED')).toBe(true);
}, 120_000);

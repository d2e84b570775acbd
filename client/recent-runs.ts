// The recent sync runs of many pipelines and regions at once, for `tributary status`. One listing
// of the deployment's sync runs, newest first (running ones, then by close time), reaches most
// pairs within a few pages; only a pair it did not settle within its budget is listed on its own.
// On an estate of hundreds of pipelines that is a few calls instead of one visibility query per
// pair, which is where status spent its time.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { PIPELINE_KEY, REGION_KEY } from '../names/search-attributes.js';
import { syncWorkflowId, syncWorkflowIdPrefix } from '../names/temporal-ids.js';
import type { Deployment } from '../names/deployment.js';
import { boundedMap } from '../workflows/bounded.js';

/** Runs read per pipeline and region to find the last success and the last failure. */
const RECENT_RUNS = 30;
/** The shared listing reads at most this many runs per pair asked for; unsettled pairs then go on their own. */
const SHARED_PER_PAIR = 4;
const PARALLEL = 8;

export interface RunPair {
  pipeline: string;
  region: string;
}

const pairKey = (pipeline: string, region: string) => `${pipeline}\u0000${region}`;

/** Settled: a success is among its runs, so its newest success and newest closed run are known. */
const settled = (runs: WorkflowExecutionInfo[]) => runs.some((w) => w.status.name === 'COMPLETED');

/** Each pair's recent sync runs (at most RECENT_RUNS), keyed as `runsOf` reads them. */
export async function recentRuns(client: Client, d: Deployment, pairs: readonly RunPair[]): Promise<Map<string, WorkflowExecutionInfo[]>> {
  const out = new Map(pairs.map((p) => [pairKey(p.pipeline, p.region), [] as WorkflowExecutionInfo[]]));
  const complete = pairs.length > 1 && (await sharedListing(client, d, pairs, out));
  if (complete) return out;
  const open = pairs.filter((p) => !settled(out.get(pairKey(p.pipeline, p.region))!));
  await boundedMap(open, PARALLEL, async (p) => out.set(pairKey(p.pipeline, p.region), await ownListing(client, d, p)));
  return out;
}

export const runsOf = (runs: Map<string, WorkflowExecutionInfo[]>, pipeline: string, region: string): WorkflowExecutionInfo[] => runs.get(pairKey(pipeline, region)) ?? [];

/** Fills `out` from one listing; true when what it holds is complete (every pair settled, or no run left). */
async function sharedListing(client: Client, d: Deployment, pairs: readonly RunPair[], out: Map<string, WorkflowExecutionInfo[]>): Promise<boolean> {
  const budget = pairs.length * SHARED_PER_PAIR;
  let open = pairs.length;
  let read = 0;
  const query = `WorkflowType = 'syncPipeline' AND WorkflowId STARTS_WITH '${syncWorkflowIdPrefix(d)}'`;
  for await (const w of client.workflow.list({ query, pageSize: Math.min(1000, budget) })) {
    if (++read > budget) return false;
    const pipeline = w.typedSearchAttributes.get(PIPELINE_KEY);
    const region = w.typedSearchAttributes.get(REGION_KEY);
    const runs = pipeline === undefined || region === undefined ? undefined : out.get(pairKey(pipeline, region));
    // Manual runs have exactly the pair's id, scheduled ones add "-<time>".
    if (!runs || runs.length >= RECENT_RUNS || !w.workflowId.startsWith(syncWorkflowId(d, pipeline!, region!))) continue;
    const was = settled(runs);
    runs.push(w);
    if (!was && settled(runs) && --open === 0) return true;
  }
  return true;
}

async function ownListing(client: Client, d: Deployment, p: RunPair): Promise<WorkflowExecutionInfo[]> {
  const query = `WorkflowType = 'syncPipeline' AND ${PIPELINE_KEY.name} = '${p.pipeline}' AND ${REGION_KEY.name} = '${p.region}' AND WorkflowId STARTS_WITH '${syncWorkflowId(d, p.pipeline, p.region)}'`;
  const runs: WorkflowExecutionInfo[] = [];
  for await (const w of client.workflow.list({ query, pageSize: RECENT_RUNS })) {
    runs.push(w);
    if (runs.length >= RECENT_RUNS) break;
  }
  return runs;
}

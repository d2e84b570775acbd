// verifyPipeline(pipeline, region): compares source and warehouse per bucket; with repair,
// re-syncs exactly the drifted buckets through the normal stage + merge and compares them again.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, RepairRequest, SourceRepair, VerifyInput, VerifyResult } from '../activities/index.js';
import { repairKeys } from '../names/stage-keys.js';

export interface VerifyOptions {
  heartbeatTimeoutSeconds?: number;
}

export async function verifyPipeline(input: VerifyInput & { repair?: boolean }, options: VerifyOptions = {}): Promise<VerifyResult> {
  const heartbeatTimeout = `${options.heartbeatTimeoutSeconds ?? 30}s`;
  const retry = { initialInterval: '1s', maximumInterval: '1 minute' };
  const acts = proxyActivities<Activities>({ startToCloseTimeout: '6 hours', heartbeatTimeout, retry });
  const { repair, ...verify } = input;

  const before = await acts.verifyBuckets(verify);
  // CDC repair (a resnapshot of the drifted keys) is not built: the client refuses --repair for it.
  if (!repair || before.driftedBuckets === 0 || before.kind === 'cdc') return { before, repaired: [] };

  const runId = workflowInfo().runId;
  const repaired: SourceRepair[] = [];
  for (const [i, src] of before.sources.entries()) {
    if (src.drifted.length === 0) continue;
    const only = src.drifted.map((d) => d.bucket);
    const req: RepairRequest = {
      pipeline: input.pipeline,
      region: input.region,
      source: src.source,
      buckets: before.buckets,
      only,
      cutoff: src.cutoff,
      ...repairKeys(input.pipeline, input.region, runId, i),
    };
    let deleted: number;
    let merged;
    if (before.kind === 'fact') {
      // Delete first: the merge below then holds the whole repair's outcome for these buckets.
      deleted = (await acts.deleteExtraRows(req)).deleted;
      merged = await acts.mergeStaged(await acts.extractRepairToStage(req));
    } else {
      const { unit } = await acts.invalidateRepairBuckets(req);
      merged = await acts.mergeStaged(await acts.extractToStage(unit));
      deleted = merged.deleted;
    }
    repaired.push({ source: src.source, buckets: only, deleted, inserted: merged.inserted, updated: merged.updated });
  }
  const all = [...new Set(repaired.flatMap((r) => r.buckets))].sort((a, b) => a - b);
  const after = await acts.verifyBuckets({ ...verify, only: all });
  return { before, repaired, after };
}

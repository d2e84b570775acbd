// verifyPipeline(pipeline, region): compares source and warehouse per bucket; with repair,
// re-syncs exactly the drifted buckets through the normal stage + merge and compares them again.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, RepairRequest, SourceRepair, VerifyInput, VerifyResult } from '../activities/index.js';
import { repairKeys } from '../names/stage-keys.js';
import { sourceFairnessKey } from '../names/task-priority.js';
import { fairActivities } from './fair-activities.js';
import { followResnapshot, resnapshotActivities } from './resnapshot.js';

export interface VerifyOptions {
  heartbeatTimeoutSeconds?: number;
}

export async function verifyPipeline(input: VerifyInput & { repair?: boolean }, options: VerifyOptions = {}): Promise<VerifyResult> {
  const heartbeatTimeout = `${options.heartbeatTimeoutSeconds ?? 30}s`;
  const retry = { initialInterval: '1s', maximumInterval: '1 minute' };
  const acts = proxyActivities<Activities>({ startToCloseTimeout: '6 hours', heartbeatTimeout, retry, priority: { fairnessKey: sourceFairnessKey(input.pipeline) } });
  const onSource = fairActivities({ startToCloseTimeout: '6 hours', heartbeatTimeout, retry });
  const { repair, ...verify } = input;

  const before = await acts.verifyBuckets(verify);
  // A pipeline that cannot be repaired (a CDC source without a signalSecret) is only compared.
  if (!repair || before.driftedBuckets === 0 || !before.repairable) return { before, repaired: [] };

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
    // The kind's first step (deletes, forgotten hashes), then one batch through the normal merge.
    const fair = onSource(src.source);
    const step = await fair.repairBuckets(req);
    if (step.resnapshot || !(step.batch ?? step.unit)) {
      // Change capture re-reads the drifted keys; the pipeline's runs apply them like any change.
      const done = step.resnapshot ? await followResnapshot(resnapshotActivities(step.resnapshot.pipeline), step.resnapshot, {}, () => undefined) : null;
      repaired.push({
        source: src.source,
        buckets: only,
        deleted: step.deleted,
        inserted: 0,
        updated: 0,
        ...(done ? { resnapshot: { signalId: done.signal.signalId, rowsScanned: done.progress.rowsScanned } } : {}),
      });
      continue;
    }
    const merged = await fair.mergeStaged(step.batch ?? (await fair.extractToStage(step.unit!)));
    repaired.push({ source: src.source, buckets: only, deleted: step.deleted + merged.deleted, inserted: merged.inserted, updated: merged.updated });
  }
  const all = [...new Set(repaired.flatMap((r) => r.buckets))].sort((a, b) => a - b);
  const after = await acts.verifyBuckets({ ...verify, only: all });
  return { before, repaired, after };
}

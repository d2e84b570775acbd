// replayPipeline(pipeline, region, batches): merges again, oldest first, the batches past runs
// staged, through the same merge activity a run uses, under new batch ids (replayBatchId), so
// the ledger takes none for a retry. The kind's merge rules still hold: facts never replace a
// newer row, checkpoints never move back, an offset kind loads only from where its ledger stands.
// A batch whose files left the stage is listed, not merged. Only references and counts pass here.
import type { ReplayedBatch, ReplayInput } from '../activities/index.js';
import { replayBatchId } from '../names/stage-keys.js';
import { fairActivities } from './fair-activities.js';

export interface ReplayOptions {
  heartbeatTimeoutSeconds?: number;
}

export async function replayPipeline(input: ReplayInput, options: ReplayOptions = {}): Promise<ReplayedBatch[]> {
  const onSource = fairActivities({
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: `${options.heartbeatTimeoutSeconds ?? 30}s`,
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });
  const out: ReplayedBatch[] = [];
  // In order: a later batch of the same keys must land after an earlier one.
  for (const { run, batch } of input.batches) {
    const acts = onSource(batch.unit.source);
    const missing = await acts.stagedFilesMissing(batch);
    const item: ReplayedBatch = { run, batchId: batch.unit.batchId, files: batch.files.length, rows: batch.rows, missing };
    out.push(item);
    if (input.dryRun || missing.length > 0) continue;
    item.result = await acts.mergeStaged({ ...batch, unit: { ...batch.unit, batchId: replayBatchId(input.replayId, batch.unit.batchId) } });
  }
  return out;
}

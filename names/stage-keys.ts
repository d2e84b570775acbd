// What a unit of work is called in the warehouse ledger and the stage: its batch id (the ledger's
// key: a retried merge of a committed batch finds it) and its stage prefix (where its files are,
// "<pipeline>/<region>/<run>/..."). Run ids are Temporal's; the rest is position in the plan.
// Pure: workflow code builds backfill and repair keys with it.

export interface StageKeys {
  batchId: string;
  stagePrefix: string;
}

/** A dimension snapshot of the i-th server of the region. */
export function dimensionKeys(pipeline: string, region: string, runId: string, server: number): StageKeys {
  return { batchId: `${runId}:${server}`, stagePrefix: `${pipeline}/${region}/${runId}/${server}` };
}

/** Chunk c of a fact pull from the i-th server: "<run>:<i>:<c>", the chunks of one server share "<run>:<i>:". */
export function factChunkKeys(pipeline: string, region: string, runId: string, server: number, chunk: number): StageKeys {
  return { batchId: `${runId}:${server}:${chunk}`, stagePrefix: `${pipeline}/${region}/${runId}/${server}-${chunk}` };
}

/**
 * The whole range of a fact pull from the i-th server as one batch that its plan extracts and
 * merges (a small read). Not a chunk number: a retried plan's chunks "<run>:<i>:<c>" never take
 * it for their chunk 0, and it moves the checkpoint by itself, in order.
 */
export function factWholeRangeKeys(pipeline: string, region: string, runId: string, server: number): StageKeys {
  return { batchId: `${runId}:${server}:whole`, stagePrefix: `${pipeline}/${region}/${runId}/${server}-whole` };
}

/** One offset range (chunk) of one partition of one cell's cluster: the chunk is the id's last part. */
export function topicKeys(pipeline: string, region: string, runId: string, cell: string, partition: number, chunk: number): StageKeys {
  return { batchId: `${runId}:${cell}:${partition}:${chunk}`, stagePrefix: `${pipeline}/${region}/${runId}/${cell}-${partition}-${chunk}` };
}

/** Batch k of a cell's CDC changes (the k-th range of every partition); batch 0 has no number. */
export function cdcKeys(pipeline: string, region: string, runId: string, cell: string, batch: number): StageKeys {
  return batch === 0
    ? { batchId: `${runId}:${cell}`, stagePrefix: `${pipeline}/${region}/${runId}/${cell}` }
    : { batchId: `${runId}:${cell}:${batch}`, stagePrefix: `${pipeline}/${region}/${runId}/${cell}/${batch}` };
}

/** The run id a continuous CDC workflow plans its poll with: one per poll, so batch ids never repeat. */
export function cdcPollRunId(runId: string, poll: number): string {
  return `${runId}.${poll}`;
}

/** A backfill's run id: fixed for the whole backfill (its first run), so a retried chunk is the same batch. */
export function backfillRunId(firstExecutionRunId: string): string {
  return `backfill-${firstExecutionRunId}`;
}

/** A batch of a backfill (backfillRunId's prefix). */
export function isBackfillBatch(batchId: string): boolean {
  return batchId.startsWith('backfill-');
}

/** Chunk i of the s-th source of a backfill. */
export function backfillChunkKeys(pipeline: string, region: string, backfillId: string, source: number, chunk: number): StageKeys {
  return { batchId: `${backfillId}:${source}:${chunk}`, stagePrefix: `${pipeline}/${region}/${backfillId}/${source}-${chunk}` };
}

/** The repair of the i-th source's drifted buckets by a verify run. */
export function repairKeys(pipeline: string, region: string, runId: string, source: number): StageKeys {
  return { batchId: `repair-${runId}:${source}`, stagePrefix: `${pipeline}/${region}/repair-${runId}/${source}` };
}

/** True for a batch of repairKeys. */
export function isRepairBatch(batchId: string): boolean {
  return batchId.startsWith('repair-');
}

/** A staged batch merged again by `tributary replay`: a new id, so the ledger does not take it for a retry. */
export function replayBatchId(replayId: string, batchId: string): string {
  return `replay:${replayId}:${batchId}`;
}

/** The number a batch id ends with (a fact or topic chunk), or null when it ends otherwise. */
export function batchChunk(batchId: string): number | null {
  const m = /:(\d+)$/.exec(batchId);
  return m ? Number(m[1]) : null;
}

/**
 * What the chunks of one fact pull from one server share, "<run>:<i>:" (the ledger finds the
 * merged ones by it); null for a batch id that does not end with a chunk number.
 */
export function chunkPrefix(batchId: string): string | null {
  return /^(.*:)\d+$/.exec(batchId)?.[1] ?? null;
}

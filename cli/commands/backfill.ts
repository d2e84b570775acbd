import { backfillProgress, startBackfill, type BackfillRequest } from '../../client/backfill.js';
import { connectClient } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { BackfillProgress } from '../../activities/types.js';
import { taskQueue } from '../../names/temporal-ids.js';
import { follow } from '../follow.js';
import { table, UsageError } from '../output.js';

/**
 * `tributary backfill PIPELINE --region R [--from T --to T] [--source S] [--chunk-rows N] [--max-parallel N] [--json]`:
 * starts the backfill (or attaches to the one running for the same range) and follows it to the
 * end, showing chunks done. Exit 0 done, 1 failed, 2 bad usage.
 */
export async function backfill(config: TributaryConfig, req: BackfillRequest, json: boolean): Promise<number> {
  const client = await connectClient(config);
  try {
    let handle;
    try {
      handle = await startBackfill(client, config, req);
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message, { cause: err });
      throw err;
    }
    if (!json) console.error(`backfill ${handle.workflowId}: following it (Ctrl-C stops following, not the backfill; run the same command to attach again)`);
    const result = handle.result();
    if (!json) {
      await follow(result, async () => {
        const p = await backfillProgress(client, handle);
        return p ? progressLine(p) : `waiting for a worker on task queue ${taskQueue(config, req.region)}...`;
      });
    }
    const r = await result;
    if (json) console.log(JSON.stringify({ workflowId: handle.workflowId, ...r }, null, 2));
    else {
      console.log(
        table(
          ['pipeline', 'region', 'from', 'to', 'chunks', 'staged', 'inserted', 'updated', 'unchanged', 'runs'],
          [[r.pipeline, r.region, r.from ?? '(whole table)', r.to ?? '', r.chunksDone, r.rowsStaged, r.inserted, r.updated, r.unchanged, r.runs]],
        ),
      );
    }
    return 0;
  } finally {
    await client.connection.close();
  }
}

function progressLine(p: BackfillProgress): string {
  const pct = p.chunksTotal ? Math.floor((100 * p.chunksDone) / p.chunksTotal) : 0;
  return `${p.pipeline}/${p.region}: ${p.chunksDone}/${p.chunksTotal} chunks (${pct}%), ${p.inFlight} in flight, ${p.rowsStaged} rows read, ${p.inserted} inserted, ${p.updated} updated`;
}

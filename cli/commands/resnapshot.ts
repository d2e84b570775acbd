// `tributary cdc resnapshot PIPELINE [--region R] [--keys K,K] [--json]`: asks each region's
// connector (or one region's) for an incremental snapshot of the captured table, or of some keys,
// and follows it to the end: progress on stderr, the result on stdout. Exit 1 if one failed.
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { knownPipeline } from '../../client/backfill.js';
import { connectClient } from '../../client/run-pipeline.js';
import { parseKeys, progressLine, resnapshotProgress, resnapshotTarget, startResnapshot } from '../../client/resnapshot.js';
import { pipelineRegions } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { resnapshotWorkflowId, taskQueue } from '../../names/temporal-ids.js';
import type { ResnapshotResult } from '../../workflows/resnapshot.js';
import { table, UsageError } from '../output.js';

export async function resnapshot(config: TributaryConfig, pipeline: string, region: string | undefined, keysText: string | undefined, json: boolean): Promise<number> {
  let regions: string[];
  let keys: string[][] | undefined;
  try {
    regions = region ? [region] : pipelineRegions(config, knownPipeline(config, pipeline));
    for (const r of regions) resnapshotTarget(config, pipeline, r);
    keys = keysText === undefined ? undefined : parseKeys(config, pipeline, keysText);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError((err).message, { cause: err });
    throw err;
  }
  const client = await connectClient(config);
  try {
    const outcomes = await Promise.all(
      regions.map(async (r): Promise<{ region: string; result?: ResnapshotResult; error?: string }> => {
        let handle;
        try {
          handle = await startResnapshot(client, config, { pipeline, region: r, ...(keys ? { keys } : {}) });
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) {
            throw new Error(`a resnapshot of ${pipeline} in ${r} is running (${resnapshotWorkflowId(config, pipeline, r)}): wait for it, or watch it in the Temporal UI`, { cause: err });
          }
          throw err;
        }
        console.error(`${pipeline}/${r}: resnapshot ${handle.workflowId}; needs a worker on task queue ${taskQueue(config, r)}, and the pipeline's runs to apply it`);
        let last = '';
        let finished = false;
        const follow = (async () => {
          while (!finished) {
            const p = await resnapshotProgress(client, handle);
            const line = p ? progressLine(p) : '';
            if (line && line !== last) console.error(`${pipeline}/${r}: ${(last = line)}`);
            await new Promise((res) => setTimeout(res, 1000));
          }
        })();
        try {
          const result = await handle.result();
          finished = true;
          await follow;
          const line = progressLine(result.progress);
          if (line !== last) console.error(`${pipeline}/${r}: ${line}`);
          return { region: r, result };
        } catch (err) {
          if (err instanceof WorkflowFailedError) return { region: r, error: (err.cause)?.message ?? err.message };
          throw err;
        } finally {
          finished = true;
          await follow;
        }
      }),
    );
    if (json) console.log(JSON.stringify(outcomes, null, 2));
    else {
      console.log(
        table(
          ['pipeline', 'region', 'snapshot', 'keys', 'chunks', 'rows re-read', 'result'],
          outcomes.map((o) => [
            pipeline,
            o.region,
            o.result?.signal.signalId ?? '-',
            keys ? keys.length : 'all',
            o.result?.progress.chunks ?? '-',
            o.result?.progress.rowsScanned ?? '-',
            o.error ? `failed: ${o.error}` : `applied${o.result?.progress.note ? ` (${o.result.progress.note})` : ''}`,
          ]),
        ),
      );
    }
    return outcomes.some((o) => o.error) ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

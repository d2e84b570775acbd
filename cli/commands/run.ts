import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { findPipeline, pipelineRegions } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { SyncResult } from '../../activities/types.js';
import { follow } from '../follow.js';
import { printResults } from '../output.js';
import { readRunProgress } from '../../client/run-progress.js';
import type { Client, WorkflowHandle } from '@temporalio/client';

/** One line per poll with units merged of planned, per region. */
async function runLine(client: Client, handles: WorkflowHandle[]): Promise<string> {
  const parts = await Promise.all(
    handles.map(async (h) => {
      const p = await readRunProgress(client, h);
      if (!p) return `${h.workflowId}: ?`;
      const retry = p.retrying ? `, ${p.retrying} retrying` : '';
      return `${h.workflowId}: ${p.units === null ? 'planning' : `${p.merged}/${p.units} units merged, ${p.extracted} extracted`}${retry}`;
    }),
  );
  return parts.join(' | ');
}

/** `tributary run PIPELINE [--region R]`: starts the run(s) now and follows them to the end. Needs a worker per region. */
export async function run(config: TributaryConfig, pipeline: string, region: string | undefined, json: boolean, fullPass = false): Promise<number> {
  const p = findPipeline(config, pipeline);
  const regions = region ? [region] : pipelineRegions(config, p);
  const client = await connectClient(config);
  try {
    const handles = await Promise.all(regions.map((r) => startPipeline(client, config, pipeline, r, fullPass ? { fullPass } : {})));
    if (!json) for (const h of handles) console.error(`started ${h.workflowId} (run ${h.firstExecutionRunId}); waiting for a worker on its task queue...`);
    const all = Promise.all(handles.map((h) => h.result()));
    if (!json) await follow(all, () => runLine(client, handles));
    const results: SyncResult[] = await all;
    printResults(results, json);
    return 0;
  } finally {
    await client.connection.close();
  }
}

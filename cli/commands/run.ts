import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { findPipeline, pipelineRegions } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { SyncResult } from '../../activities/types.js';
import { printResults } from '../output.js';

/** `tributary run PIPELINE [--region R]`: starts the run(s) now and follows them to the end. Needs a worker per region. */
export async function run(config: TributaryConfig, pipeline: string, region: string | undefined, json: boolean): Promise<number> {
  const p = findPipeline(config, pipeline);
  const regions = region ? [region] : pipelineRegions(config, p);
  const client = await connectClient(config);
  try {
    const handles = await Promise.all(regions.map((r) => startPipeline(client, config, pipeline, r)));
    if (!json) for (const h of handles) console.error(`started ${h.workflowId} (run ${h.firstExecutionRunId}); waiting for a worker on its task queue...`);
    const results: SyncResult[] = await Promise.all(handles.map((h) => h.result()));
    printResults(results, json);
    return 0;
  } finally {
    await client.connection.close();
  }
}

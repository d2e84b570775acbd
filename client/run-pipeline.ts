// Starting pipelines from code: what the CLI, the demo and users' own scripts call.
import { Client, Connection, WorkflowIdReusePolicy } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { syncWorkflowId, taskQueue } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import type { SyncResult } from '../activities/types.js';
import type { syncPipeline } from '../workflows/sync-pipeline.js';
import { refuseWhileContinuous } from './cdc-workflow-id.js';

export const PIPELINE_KEY = defineSearchAttributeKey('Pipeline', SearchAttributeType.KEYWORD);
export const REGION_KEY = defineSearchAttributeKey('Region', SearchAttributeType.KEYWORD);

export async function connectClient(config: TributaryConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace });
}

/**
 * Starts syncPipeline(pipeline, region) now; a run already in flight for the pair is an error, not a
 * second run, and so is a CDC pipeline whose continuous workflow runs in the region (ContinuousRunningError).
 */
export async function startPipeline(client: Client, config: TributaryConfig, pipeline: string, region: string, opts: { fullPass?: boolean } = {}) {
  await refuseWhileContinuous(client, config, pipeline, region);
  return client.workflow.start<typeof syncPipeline>('syncPipeline', {
    taskQueue: taskQueue(config, region),
    workflowId: syncWorkflowId(config, pipeline, region),
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [{ pipeline, region, ...(opts.fullPass ? { fullPass: true } : {}) }, { heartbeatTimeoutSeconds: config.temporal.heartbeatTimeoutSeconds }],
    typedSearchAttributes: [
      { key: PIPELINE_KEY, value: pipeline },
      { key: REGION_KEY, value: region },
    ],
  });
}

/** Starts and waits for the result. */
export async function runPipeline(client: Client, config: TributaryConfig, pipeline: string, region: string, opts: { fullPass?: boolean } = {}): Promise<SyncResult> {
  const handle = await startPipeline(client, config, pipeline, region, opts);
  return handle.result();
}

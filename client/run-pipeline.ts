// Starting pipelines from code: what the CLI, the demo and users' own scripts call.
import { Client, Connection, WorkflowIdReusePolicy } from '@temporalio/client';
import type { TributaryConfig } from '../config/schema.js';
import { pipelineAttributes } from '../names/search-attributes.js';
import { syncWorkflowId, taskQueue } from '../names/temporal-ids.js';
import type { SyncResult } from '../activities/types.js';
import type { syncPipeline } from '../workflows/sync-pipeline.js';
import { refuseWhileContinuous } from './cdc-guard.js';
import { temporalConnectionOptions } from './temporal-connection.js';
import { dataConverterFor } from './payload-codec.js';
import { createSecretProvider } from '../activities/secrets/provider.js';

export async function connectClient(config: TributaryConfig): Promise<Client> {
  const secrets = createSecretProvider(config.secrets);
  const connection = await Connection.connect(await temporalConnectionOptions(config, secrets));
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter: await dataConverterFor(config, secrets) });
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
    typedSearchAttributes: pipelineAttributes(pipeline, region),
  });
}

/** Starts and waits for the result. */
export async function runPipeline(client: Client, config: TributaryConfig, pipeline: string, region: string, opts: { fullPass?: boolean } = {}): Promise<SyncResult> {
  const handle = await startPipeline(client, config, pipeline, region, opts);
  return handle.result();
}

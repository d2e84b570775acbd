// The guard that keeps a one-off run of a CDC pipeline from starting beside its continuous
// workflow (whose id is names/temporal-ids.ts cdcWorkflowId). Its own file so both
// client/run-pipeline.ts and client/cdc-continuous.ts can use it without importing each other.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TributaryConfig } from '../config/schema.js';
import { cdcWorkflowId } from '../names/temporal-ids.js';
import { kindOf } from '../activities/kinds/registry.js';

/** A one-off run refused because the continuous workflow of the same pipeline and region is running. */
export class ContinuousRunningError extends Error {
  constructor(
    readonly pipeline: string,
    readonly region: string,
    readonly workflowId: string,
  ) {
    super(
      `pipeline "${pipeline}" in region "${region}" is applied continuously by workflow ${workflowId}; ` +
        `a run would apply the same offsets, so none was started. Stop it first: tributary cdc stop ${pipeline} --region ${region}`,
    );
  }
}

/** True while the pipeline's continuous workflow in this region is running. */
export async function continuousRunning(client: Client, config: TributaryConfig, pipeline: string, region: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(cdcWorkflowId(config, pipeline, region)).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Throws ContinuousRunningError for a CDC pipeline whose continuous workflow runs in the region; other kinds pass. */
export async function refuseWhileContinuous(client: Client, config: TributaryConfig, pipeline: string, region: string): Promise<void> {
  const p = config.pipelines.find((x) => x.name === pipeline);
  if (!p || !kindOf(p).continuous) return;
  if (await continuousRunning(client, config, pipeline, region)) throw new ContinuousRunningError(pipeline, region, cdcWorkflowId(config, pipeline, region));
}

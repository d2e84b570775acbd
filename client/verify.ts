// Starting verifyPipeline from code: what `tributary verify` and the verify schedules run.
import { kindOf } from '../activities/kinds/registry.js';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { pipelineRegions, verifySettings } from '../config/resolve.js';
import { knownPipeline } from './backfill.js';
import type { TributaryConfig } from '../config/schema.js';
import type { VerifyResult } from '../activities/types.js';
import { checkBuckets } from '../activities/reconcile/bucket-sql.js';
import { warehouseRepairBlocker, warehouseVerifyBlocker } from '../activities/reconcile/warehouse-blocker.js';
import { resnapshotTarget } from './resnapshot.js';
import type { verifyPipeline } from '../workflows/verify-pipeline.js';
import { pipelineAttributes } from '../names/search-attributes.js';
import { taskQueue, verifyWorkflowId } from '../names/temporal-ids.js';

export const DEFAULT_BUCKETS = 64;

export interface VerifyRequest {
  pipeline: string;
  region: string;
  source?: string;
  buckets?: number;
  /** Re-sync the drifted buckets and compare them again. */
  repair?: boolean;
}

export type VerifyArgs = Parameters<typeof verifyPipeline>;

/** The workflow's arguments, checked against the config. */
export function verifyArgs(config: TributaryConfig, req: VerifyRequest): VerifyArgs {
  const p = knownPipeline(config, req.pipeline);
  const kind = kindOf(p);
  if (!kind.verify) throw new RangeError(`pipeline ${p.name} is a ${p.kind} pipeline; verify compares fact, dimension, topic and cdc pipelines`);
  if (!kind.repair && req.repair) throw new RangeError(`pipeline ${p.name} is a ${p.kind} pipeline; verify compares it, --repair (a resnapshot of the drifted keys) is not built for it yet`);
  const blocker = kind.verifyBlocker?.(p) ?? warehouseVerifyBlocker(config.warehouse, p.kind) ?? (req.repair ? warehouseRepairBlocker(config.warehouse, p.kind) : undefined);
  if (blocker) throw new RangeError(blocker);
  const regions = pipelineRegions(config, p);
  if (!regions.includes(req.region)) throw new RangeError(`pipeline ${p.name} does not run in region "${req.region}" (its regions: ${regions.join(', ')})`);
  if (p.kind === 'cdc' && req.repair) resnapshotTarget(config, p.name, req.region);
  let buckets: number;
  try {
    buckets = checkBuckets(req.buckets ?? verifySettings(p)?.buckets ?? DEFAULT_BUCKETS);
  } catch (err) {
    throw new RangeError((err as Error).message, { cause: err });
  }
  return [
    { pipeline: p.name, region: req.region, buckets, repair: req.repair ?? false, ...(req.source ? { source: req.source } : {}) },
    { heartbeatTimeoutSeconds: config.temporal.heartbeatTimeoutSeconds },
  ];
}

/** Starts verifyPipeline now; one at a time per pipeline and region (a second start is an error). */
export async function startVerify(client: Client, config: TributaryConfig, req: VerifyRequest) {
  return client.workflow.start<typeof verifyPipeline>('verifyPipeline', {
    taskQueue: taskQueue(config, req.region),
    workflowId: verifyWorkflowId(config, req.pipeline, req.region),
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: verifyArgs(config, req),
    typedSearchAttributes: pipelineAttributes(req.pipeline, req.region),
  });
}

export async function runVerify(client: Client, config: TributaryConfig, req: VerifyRequest): Promise<VerifyResult> {
  return (await startVerify(client, config, req)).result();
}

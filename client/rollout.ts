// Worker Versioning: once the workers of a new build poll a region's task queue, that region's
// Worker Deployment takes the build as its current version. New runs start on it; a run in flight
// stays on the build it started on (pinned), and the long-lived backfill and CDC workflows move
// over at their next workflow task (auto-upgrade). The old build's workers may stop once its pinned
// runs have drained (`temporal worker deployment describe-version` shows them).
import type { Client } from '@temporalio/client';
import { allRegions } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import { workerDeploymentName } from '../names/temporal-ids.js';

export interface RolloutResult {
  region: string;
  deployment: string;
  buildId: string;
  /** The build that was current before, if any (null: the unversioned workers). */
  previous: string | null;
}

/** gRPC codes the server answers with while the new build's pollers have not reached it yet. */
const NOT_YET = new Set([5 /* NOT_FOUND */, 9 /* FAILED_PRECONDITION */]);

export async function rollout(
  client: Client,
  config: TributaryConfig,
  buildId: string,
  opts: { region?: string; timeoutMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<RolloutResult[]> {
  const regions = allRegions(config);
  if (opts.region !== undefined && !regions.includes(opts.region)) throw new RangeError(`region "${opts.region}" is none of the config's (${regions.join(', ')})`);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const out: RolloutResult[] = [];
  for (const region of opts.region ? [opts.region] : regions) {
    const deployment = workerDeploymentName(config, region);
    for (;;) {
      try {
        const res = await client.workflowService.setWorkerDeploymentCurrentVersion({
          namespace: config.temporal.namespace,
          deploymentName: deployment,
          buildId,
          identity: client.options.identity,
        });
        out.push({ region, deployment, buildId, previous: res.previousDeploymentVersion?.buildId || null });
        break;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (!NOT_YET.has(code ?? -1) || Date.now() >= deadline) {
          throw new Error(`region ${region}: Worker Deployment ${deployment} did not take build ${buildId}: ${(err as Error).message} (are workers with TRIBUTARY_BUILD_ID=${buildId} polling ${deployment}?)`, { cause: err });
        }
        await sleep(1_000);
      }
    }
  }
  return out;
}

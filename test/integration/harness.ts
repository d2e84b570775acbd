// In-process region workers on the real Temporal server, for tests that run pipelines.
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { connectClient, runPipeline } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { SyncResult } from '../../activities/types.js';
import { createRegionWorker, type RegionWorker } from '../../workers/create-worker.js';
import { workflowBundleOptions } from '../../workers/workflows-path.js';

let bundle: Promise<WorkflowBundle> | undefined;

export interface Harness {
  client: Client;
  /** The workflow code the workers run (for replaying their histories). */
  workflowBundle: WorkflowBundle;
  run(pipeline: string, region: string, opts?: { fullPass?: boolean }): Promise<SyncResult>;
  close(): Promise<void>;
}

/** A worker per region and a client; `deps` makes each worker's own (e.g. with metrics that record). */
export async function startHarness(config: TributaryConfig, regions: string[], opts: { deps?: () => ActivityDeps } = {}): Promise<Harness> {
  bundle ??= bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
  const workflowBundle = await bundle;
  const workers: RegionWorker[] = await Promise.all(regions.map((r) => createRegionWorker(config, r, { workflowBundle, ...(opts.deps ? { deps: opts.deps() } : {}) })));
  const running = Promise.all(workers.map((w) => w.worker.run()));
  const client = await connectClient(config);
  return {
    client,
    workflowBundle,
    run: (pipeline, region, opts) => runPipeline(client, config, pipeline, region, opts),
    async close() {
      workers.forEach((w) => w.worker.shutdown());
      await running;
      await Promise.all(workers.map((w) => w.connection.close()));
      await client.connection.close();
    },
  };
}

/** The innermost cause's message of a failed run (workflow -> activity -> application failure). */
export async function failureOf(run: Promise<unknown>): Promise<string> {
  let err: unknown;
  try {
    await run;
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error('expected the run to fail, but it succeeded');
  while (err instanceof Error && err.cause instanceof Error) err = err.cause;
  return (err as Error).message;
}

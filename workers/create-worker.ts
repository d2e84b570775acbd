// One worker per region: it serves that region's task queue with every workflow and the
// activities built from the config. Any number of copies may run side by side.
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { ActivityDeps } from '../activities/deps.js';
import type { TributaryConfig } from '../config/schema.js';
import { taskQueue, workerDeploymentName } from '../names/temporal-ids.js';
import { workflowInterceptorModules, workflowsPath } from './workflows-path.js';
import { activityInterceptors } from './activity-interceptor.js';
import { noopMetrics } from '../activities/metrics/index.js';
import { runReportSinks } from './run-metrics-sink.js';
import { temporalConnectionOptions } from '../client/temporal-connection.js';
import { dataConverterFor } from '../client/payload-codec.js';
import { createSecretProvider } from '../activities/secrets/provider.js';

export interface RegionWorker {
  worker: Worker;
  connection: NativeConnection;
  taskQueue: string;
}

export async function createRegionWorker(
  config: TributaryConfig,
  region: string,
  opts: { deps?: ActivityDeps; workflowBundle?: WorkflowBundleOption; buildId?: string } = {},
): Promise<RegionWorker> {
  const secrets = opts.deps?.secrets ?? createSecretProvider(config.secrets);
  const connection = await NativeConnection.connect(await temporalConnectionOptions(config, secrets));
  const dataConverter = await dataConverterFor(config, secrets);
  const queue = taskQueue(config, region);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: queue,
    dataConverter,
    // With a build id (the image tag), the worker is a version of its region's Worker Deployment:
    // a run stays on the build it started on (pinned) unless its workflow says otherwise (the
    // long-lived backfill and CDC workflows auto-upgrade); `tributary rollout` moves new runs on.
    ...(opts.buildId
      ? { workerDeploymentOptions: { useWorkerVersioning: true, version: { deploymentName: workerDeploymentName(config, region), buildId: opts.buildId }, defaultVersioningBehavior: 'PINNED' as const } }
      : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createActivities(opts.deps ?? config),
    // Log lines carry pipeline/region/source; errors are scrubbed of secrets before history.
    // Workflow interceptor modules are given only when the worker bundles: a prebuilt bundle has them.
    interceptors: { activity: [activityInterceptors()], ...(opts.workflowBundle ? {} : { workflowModules: workflowInterceptorModules }) },
    maxConcurrentActivityTaskExecutions: 16,
    // How each run ended (workflows/run-report.ts) becomes the run metrics.
    sinks: runReportSinks(opts.deps?.metrics ?? noopMetrics),
  });
  return { worker, connection, taskQueue: queue };
}

// Worker process: `tsx workers/main.ts --region us [--config FILE]`.
// Temporal's runtime stops the worker gracefully on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { defaultConfigPath, loadConfig } from '../config/load.js';
import { allRegions } from '../config/resolve.js';
import { createDeps } from '../activities/deps.js';
import { createMetrics } from '../activities/metrics/index.js';
import { reportTargets } from '../activities/metrics/targets.js';
import { createRegionWorker } from './create-worker.js';
import { createLogger } from './logging.js';
import { installRuntime } from './telemetry.js';

const { values } = parseArgs({ options: { region: { type: 'string' }, config: { type: 'string' } } });
const configPath = values.config ?? defaultConfigPath();
const config = loadConfig(configPath);
const region = values.region;
if (!region || !allRegions(config).includes(region)) {
  console.error(`worker: --region must be one of ${allRegions(config).join(', ')} (the regions of ${configPath})`);
  process.exit(2);
}
const logger = createLogger({ bindings: { workerRegion: region } });
const { runtimeMetricsUrl } = await installRuntime(logger, config.metrics, { region });
const { metrics, prometheus } = await createMetrics(config.metrics, {
  runtimeMetricsUrl,
  onError: (err) => logger.warn({ err }, 'a metrics backend failed'),
});
// The config's promises (freshness SLO, schedule gap) for the alert rules, kept fresh for statsd.
const stopTargets = reportTargets(metrics, config, region);
// The image builds the workflow bundle once at build time; without it the worker bundles at start.
const bundlePath = process.env.TRIBUTARY_WORKFLOW_BUNDLE;
// The image's tag, set by the Helm chart: the worker joins Worker Versioning as that build.
const buildId = process.env.TRIBUTARY_BUILD_ID || undefined;
if (buildId !== undefined && !/^[A-Za-z0-9._+-]{1,255}$/.test(buildId)) {
  console.error('worker: TRIBUTARY_BUILD_ID must be 1 to 255 letters, digits, ".", "_", "+" or "-" (an image tag)');
  process.exit(2);
}
const { worker, connection, taskQueue } = await createRegionWorker(config, region, {
  deps: createDeps(config, metrics),
  ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  ...(buildId ? { buildId } : {}),
});
// Start and stop are logged whatever the level: tests and operators wait for "worker started".
const lifecycle = logger.child({}, { level: 'info' });
lifecycle.info({ region, taskQueue, buildId, prometheusPort: prometheus?.port, statsd: config.metrics.statsd ? `${config.metrics.statsd.host}:${config.metrics.statsd.port}` : undefined }, 'worker started');
try {
  await worker.run();
} finally {
  stopTargets();
  await connection.close();
  await metrics.close();
  lifecycle.info({ region, taskQueue }, 'worker stopped');
}

// Installs Temporal's Runtime for a worker process: its logs (SDK, core, workflows, activities)
// go through our pino logger, and its metrics are exported on a loopback port that the
// Prometheus endpoint appends to /metrics. Once per process, before any Temporal connection.
import { Runtime } from '@temporalio/worker';
import type { Logger as Pino } from 'pino';
import type { MetricsConfig } from '../config/schema.js';
import { freeLoopbackPort } from '../activities/metrics/prometheus-endpoint.js';
import { TemporalPinoLogger } from './logging.js';

export interface InstalledRuntime {
  /** Where the SDK's own Prometheus exporter answers, when Prometheus is configured. */
  runtimeMetricsUrl?: string;
}

export async function installRuntime(logger: Pino, metrics: MetricsConfig, globalTags: Record<string, string>): Promise<InstalledRuntime> {
  const port = metrics.prometheus?.runtimeMetrics ? await freeLoopbackPort() : undefined;
  Runtime.install({
    logger: new TemporalPinoLogger(logger),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(port === undefined ? {} : { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true, useSecondsForDurations: true }, globalTags } }),
    },
  });
  return port === undefined ? {} : { runtimeMetricsUrl: `http://127.0.0.1:${port}/metrics` };
}

// What every activity needs, built once per worker process and shared by its activities.
import type { TributaryConfig } from '../config/schema.js';
import { noopMetrics, type PipelineMetrics } from './metrics/metrics.js';
import { createSecretProvider, type SecretProvider } from './secrets/provider.js';
import { createStage, type Stage } from './stage/index.js';

export interface ActivityDeps {
  config: TributaryConfig;
  secrets: SecretProvider;
  stage: Stage;
  /** Pipeline metrics (statsd/prometheus); the worker builds them once per process, noop otherwise. */
  metrics: PipelineMetrics;
}

export function createDeps(config: TributaryConfig, metrics: PipelineMetrics = noopMetrics): ActivityDeps {
  const secrets = createSecretProvider(config.secrets);
  return { config, secrets, stage: createStage(config.stage, secrets), metrics };
}

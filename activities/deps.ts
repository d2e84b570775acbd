// What every activity needs, built once per worker process and shared by its activities.
import type { TributaryConfig } from '../config/schema.js';
import type { PostgresEndpoint } from '../config/resolve.js';
import type { PgTarget } from './postgres/connect.js';
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

export function sourceTarget(e: PostgresEndpoint): PgTarget {
  return { label: `source ${e.id}`, host: e.host, port: e.port, database: e.database, secret: e.secret };
}

/** Where a source's safe upper bound is taken: its declared primary (a standby's), else the server itself. */
export function boundTarget(e: PostgresEndpoint): PgTarget {
  if (!e.primary) return sourceTarget(e);
  return { label: `source ${e.id} (primary ${e.primary.host})`, host: e.primary.host, port: e.primary.port ?? e.port, database: e.database, secret: e.secret };
}

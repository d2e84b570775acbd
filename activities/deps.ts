// What every activity needs, built once per worker process and shared by its activities.
import type { TributaryConfig } from '../config/schema.js';
import type { PostgresEndpoint } from '../config/resolve.js';
import type { PgTarget } from './postgres/connect.js';
import { createSecretProvider, type SecretProvider } from './secrets/provider.js';
import { createStage, type Stage } from './stage/index.js';

export interface ActivityDeps {
  config: TributaryConfig;
  secrets: SecretProvider;
  stage: Stage;
}

export function createDeps(config: TributaryConfig): ActivityDeps {
  return { config, secrets: createSecretProvider(config.secrets), stage: createStage(config.stage) };
}

export function sourceTarget(e: PostgresEndpoint): PgTarget {
  return { label: `source ${e.id}`, host: e.host, port: e.port, database: e.database, secret: e.secret };
}

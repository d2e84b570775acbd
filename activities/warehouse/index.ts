import type { ActivityDeps } from '../deps.js';
import type { WarehouseDialect } from './dialect.js';
import { PostgresWarehouse } from './postgres/postgres-warehouse.js';

export type { WarehouseDialect, CheckpointKey } from './dialect.js';

export function createWarehouse(deps: ActivityDeps): WarehouseDialect {
  const w = deps.config.warehouse;
  if (w.type === 'postgres') {
    return new PostgresWarehouse(deps, { label: 'warehouse', host: w.host, port: w.port, database: w.database, secret: w.secret }, w.schema);
  }
  throw new Error('the redshift warehouse is not built yet (see the Redshift issue); use type "postgres"');
}

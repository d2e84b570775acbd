import type { ActivityDeps } from '../deps.js';
import type { WarehouseDialect } from './dialect.js';
import { PostgresWarehouse } from './postgres/postgres-warehouse.js';
import { RedshiftWarehouse } from './redshift/redshift-warehouse.js';

export type { WarehouseDialect, CheckpointKey } from './dialect.js';

export function createWarehouse(deps: ActivityDeps): WarehouseDialect {
  const w = deps.config.warehouse;
  if (w.type === 'postgres') {
    return new PostgresWarehouse(deps, { label: 'warehouse', host: w.host, port: w.port, database: w.database, secret: w.secret }, w.schema);
  }
  if (deps.config.stage.type !== 's3') throw new Error('the Redshift warehouse loads from S3: set stage.type to "s3"');
  return new RedshiftWarehouse(deps, w);
}

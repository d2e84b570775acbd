// The warehouse dialects, one line each: the type checker proves every warehouse type of the
// config schema has one.
import type { WarehouseConfig } from '../../config/schema.js';
import type { ActivityDeps } from '../deps.js';
import type { WarehouseDialect } from './dialect.js';
import { PostgresWarehouse } from './postgres/postgres-warehouse.js';
import { RedshiftWarehouse } from './redshift/redshift-warehouse.js';

export type { WarehouseDialect, CheckpointKey } from './dialect.js';

type DialectFactory<T extends WarehouseConfig['type']> = (deps: ActivityDeps, w: Extract<WarehouseConfig, { type: T }>) => WarehouseDialect;

const DIALECTS: { [T in WarehouseConfig['type']]: DialectFactory<T> } = {
  postgres: (deps, w) => new PostgresWarehouse(deps, { label: 'warehouse', host: w.host, port: w.port, database: w.database, secret: w.secret, ...(w.tls ? { tls: w.tls } : {}) }, w.schema),
  redshift: (deps, w) => new RedshiftWarehouse(deps, w),
};

export function createWarehouse(deps: ActivityDeps): WarehouseDialect {
  const w = deps.config.warehouse;
  const dialect = (DIALECTS[w.type] as DialectFactory<typeof w.type>)(deps, w);
  const stage = dialect.capabilities.requiredStage;
  if (stage && deps.config.stage.type !== stage) throw new Error(`the ${w.type} warehouse loads from ${stage}: set stage.type to "${stage}"`);
  return dialect;
}

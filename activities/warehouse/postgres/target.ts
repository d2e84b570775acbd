// Where the PostgreSQL warehouse is, as a connection target (the workers' warehouse role).
import type { WarehouseConfig } from '../../../config/schema.js';
import type { PgTarget } from '../../pg/connect.js';

export function postgresWarehouseTarget(w: Extract<WarehouseConfig, { type: 'postgres' }>): PgTarget {
  return { label: 'warehouse', host: w.host, port: w.port, database: w.database, secret: w.secret, ...(w.tls ? { tls: w.tls } : {}) };
}

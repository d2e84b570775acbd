// Where a source server is reached: the server itself for rows, and its declared primary (a
// standby's) for the safe upper bound. Source sessions are read-only (default_transaction_read_only).
import type { PostgresEndpoint } from '../../../config/resolve.js';
import type { PgTarget } from '../../pg/connect.js';

export function sourceTarget(e: PostgresEndpoint): PgTarget {
  return { label: `source ${e.id}`, host: e.host, port: e.port, database: e.database, secret: e.secret, readOnly: true, ...(e.tls ? { tls: e.tls } : {}) };
}

/** Where a source's safe upper bound is taken: its declared primary (a standby's), else the server itself. */
export function boundTarget(e: PostgresEndpoint): PgTarget {
  if (!e.primary) return sourceTarget(e);
  return { label: `source ${e.id} (primary ${e.primary.host})`, host: e.primary.host, port: e.primary.port ?? e.port, database: e.database, secret: e.secret, readOnly: true, ...(e.tls ? { tls: e.tls } : {}) };
}

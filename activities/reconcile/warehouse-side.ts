// The warehouse side of verify and repair, one line per warehouse type (the type checker proves
// the list complete). Bucket checksums hash each row's text form, which belongs to the dialect:
// a warehouse verifies once its side is written here, and "PostgreSQL only" is decided here alone.
import type { WarehouseConfig } from '../../config/schema.js';
import type { ActivityDeps } from '../deps.js';
import { withPg } from '../pg/connect.js';
import { postgresWarehouseTarget } from '../warehouse/postgres/target.js';
import { postgresSide } from './postgres-side.js';
import type { WarehouseSide } from './side.js';
import { openRedshiftSide, redshiftSide } from './redshift-side.js';

type Opener<T extends WarehouseConfig['type']> = (deps: ActivityDeps, w: Extract<WarehouseConfig, { type: T }>) => <R>(fn: (side: WarehouseSide) => Promise<R>) => Promise<R>;

const SIDES: { [T in WarehouseConfig['type']]: Opener<T> } = {
  postgres: (deps, w) => (fn) => withPg(postgresWarehouseTarget(w), deps.secrets, (c) => fn(postgresSide(c, w.schema))),
  redshift: (_deps, w) => (fn) => fn(redshiftSide(openRedshiftSide(w), w.schema)),
};

/** Runs fn with the configured warehouse's side of a comparison. */
export function withWarehouseSide<R>(deps: ActivityDeps, fn: (side: WarehouseSide) => Promise<R>): Promise<R> {
  const w = deps.config.warehouse;
  return (SIDES[w.type] as Opener<typeof w.type>)(deps, w)(fn);
}

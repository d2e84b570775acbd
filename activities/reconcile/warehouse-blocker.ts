// Whether a warehouse type has its side of verify and repair written (warehouse-side.ts), as a
// plain table the schedules and the CLI read before they start anything: a warehouse without one
// gets no verify schedule, and `tributary verify` says why instead of starting a workflow that fails.
import type { WarehouseConfig } from '../../config/schema.js';

const BLOCKERS: { [T in WarehouseConfig['type']]: string | undefined } = {
  postgres: undefined,
  redshift:
    "verify and repair compare each row's text form, and Redshift's text of numerics, timestamps, booleans, doubles and SUPER is not checked to equal PostgreSQL's: their Redshift side is not built yet",
};

/** Why verify cannot run against this warehouse, or undefined when it can. */
export function warehouseVerifyBlocker(w: WarehouseConfig): string | undefined {
  return BLOCKERS[w.type];
}

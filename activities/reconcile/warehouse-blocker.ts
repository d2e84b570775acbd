// Whether a warehouse type has its side of verify and repair written (warehouse-side.ts) for a
// pipeline kind, as a plain table the schedules and the CLI read before they start anything: a
// warehouse without one gets no verify schedule, and `tributary verify` says why instead of
// starting a workflow that fails. And whether a CDC resnapshot's deletes of the rows it did not
// write are, which a resnapshot leaves out where they are not.
import type { WarehouseConfig } from '../../config/schema.js';

type Kind = 'fact' | 'dimension' | 'topic' | 'cdc';
interface Blockers {
  verify: Partial<Record<Kind, string>>;
  repair: Partial<Record<Kind, string>>;
  resnapshotDeletes?: string;
}

const BLOCKERS: { [T in WarehouseConfig['type']]: Blockers } = {
  postgres: { verify: {}, repair: {} },
  redshift: { verify: {}, repair: {} },
};

/** Why verify cannot run against this warehouse for a pipeline of this kind, or undefined when it can. */
export function warehouseVerifyBlocker(w: WarehouseConfig, kind: string): string | undefined {
  return BLOCKERS[w.type].verify[kind as Kind];
}

/** Why a CDC resnapshot cannot delete the rows it did not write in this warehouse, or undefined when it can. */
export function warehouseResnapshotDeleteBlocker(w: WarehouseConfig): string | undefined {
  return BLOCKERS[w.type].resnapshotDeletes;
}

/** Why --repair cannot run against this warehouse for a pipeline of this kind, or undefined when it can. */
export function warehouseRepairBlocker(w: WarehouseConfig, kind: string): string | undefined {
  return BLOCKERS[w.type].repair[kind as Kind];
}

// Whether a warehouse type has its side of verify and repair written (warehouse-side.ts) for a
// pipeline kind, as a plain table the schedules and the CLI read before they start anything: a
// warehouse without one gets no verify schedule, and `tributary verify` says why instead of
// starting a workflow that fails.
import type { WarehouseConfig } from '../../config/schema.js';

type Kind = 'fact' | 'dimension' | 'topic' | 'cdc';
interface Blockers {
  verify: Partial<Record<Kind, string>>;
  repair: Partial<Record<Kind, string>>;
}

const BLOCKERS: { [T in WarehouseConfig['type']]: Blockers } = {
  postgres: { verify: {}, repair: {} },
  redshift: {
    verify: {},
    repair: {
      // Verify on Redshift names keys by the MD5 of their canonical text, which a resnapshot cannot select by.
      cdc: "a cdc repair resnapshots the drifted keys by their values and deletes the extra ones by LSN, and on Redshift verify knows keys only by their hashes and that delete is not built (verify without --repair works)",
    },
  },
};

/** Why verify cannot run against this warehouse for a pipeline of this kind, or undefined when it can. */
export function warehouseVerifyBlocker(w: WarehouseConfig, kind: string): string | undefined {
  return BLOCKERS[w.type].verify[kind as Kind];
}

/** Why --repair cannot run against this warehouse for a pipeline of this kind, or undefined when it can. */
export function warehouseRepairBlocker(w: WarehouseConfig, kind: string): string | undefined {
  return BLOCKERS[w.type].repair[kind as Kind];
}

// The rule no dialect owns that makes offset loads exactly once: a batch applies only from where
// the ledger stands. Pure; both warehouse dialects decide with it inside their merge transaction.

export type MergeDecision =
  /** Load the staged messages at or after `from`; record [gap[0], gap[1]) as lost to retention. */
  | { action: 'load'; from: number; gap: [number, number] | null }
  /** The ledger is at or past this batch's end: it (or a batch overlapping it) committed already. */
  | { action: 'skip' };

/**
 * The rule that makes topic loads exactly once: a batch is applied only from where the ledger
 * stands. `current` is the ledger's next offset read under lock in the merge transaction.
 */
export function decideMerge(current: number | null, unit: { from: number; to: number; committed: number | null }): MergeDecision {
  if (current === unit.committed) {
    const gap: [number, number] | null = current !== null && current < unit.from ? [current, unit.from] : null;
    return { action: 'load', from: unit.from, gap };
  }
  if (current !== null && current >= unit.to) return { action: 'skip' };
  // Another run committed part of this range (a manual run beside a scheduled one): load the rest.
  if (current !== null && current >= unit.from && current < unit.to) return { action: 'load', from: current, gap: null };
  throw new Error(
    `the ledger's next offset is ${current ?? 'unset'}, but this batch (offsets ${unit.from} to ${unit.to - 1}) was planned after ${unit.committed ?? 'nothing'}; ` +
      'loading it would skip or repeat messages, so nothing was merged (the next run plans again from the ledger)',
  );
}

/**
 * A CDC batch covers every partition of its cluster: all of them follow the ledger (load), or
 * all were applied already (skip); an empty range where the ledger stands does not count.
 * Anything else means another run applied part of it: an Error whose message says so.
 */
export function decideCdcBatch(ranges: readonly { partition: number; from: number; to: number; committed: number | null }[], current: ReadonlyMap<number, number | null>): 'load' | 'skip' {
  const actions = new Set<string>();
  for (const r of ranges) {
    const c = current.get(r.partition) ?? null;
    if (r.to === r.from && c === r.committed) continue;
    let d: MergeDecision;
    try {
      d = decideMerge(c, r);
    } catch (err) {
      throw new Error(`partition ${r.partition}: ${(err as Error).message}`, { cause: err });
    }
    actions.add(d.action === 'load' && d.from !== r.from ? 'partial' : d.action);
  }
  if (actions.size === 0 || (actions.size === 1 && actions.has('load'))) return 'load';
  if (actions.size === 1 && actions.has('skip')) return 'skip';
  throw new Error(`another run applied part of this batch (ledger ${JSON.stringify(Object.fromEntries(current))}); nothing was merged, the next run plans again from the ledger`);
}

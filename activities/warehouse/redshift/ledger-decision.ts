// What a topic or CDC batch does to the offsets ledger, decided from the ledger as read before
// the batch (the batch's guard statement checks, under the target's lock, that it still stands
// there). Pure: the same rules as the PostgreSQL merges (decideMerge in kafka/offset-plan.ts).
import { decideCdcBatch, decideMerge } from '../../merge-rules/offset-decision.js';
import type { CdcRange, CdcUnit, TopicUnit } from '../../types.js';
import type { LedgerMove } from './offsets-sql.js';

const gapDetail = (a: number, b: number, verb: string) => `offsets ${a} to ${b - 1} were deleted by the cluster's retention before they were ${verb}`;

/** A topic batch: skip it, or load from `from` and move the partition's ledger. Throws on a conflicting ledger. */
export function topicDecision(current: number | null, unit: TopicUnit): { action: 'skip' } | { action: 'load'; from: number; move: LedgerMove } {
  const d = decideMerge(current, unit);
  if (d.action === 'skip') return d;
  return {
    action: 'load',
    from: d.from,
    move: { partition: unit.partition, expected: current, next: unit.to, gap: d.gap ? { from: d.gap[0], detail: gapDetail(d.gap[0], d.gap[1], 'loaded') } : null },
  };
}

/** A CDC batch: load or skip (the rule shared with PostgreSQL); throws on a conflicting ledger. */
export function cdcDecision(unit: CdcUnit, current: ReadonlyMap<number, number | null>): 'load' | 'skip' {
  return decideCdcBatch(unit.ranges, current);
}

/** The ledger moves of a CDC batch that loads: each applied range's end, and offsets lost to retention. */
export function cdcMoves(ranges: readonly CdcRange[], current: ReadonlyMap<number, number | null>): LedgerMove[] {
  return ranges.map((r) => {
    const c = current.get(r.partition) ?? null;
    return { partition: r.partition, expected: c, next: r.to, gap: c !== null && c < r.from ? { from: c, detail: gapDetail(c, r.from, 'applied') } : null };
  });
}

// Verify of a topic pipeline, one partition's applied range [from, to): every offset of the
// topic there must be a target row, a dead letter, or (keyed pipelines) a message a later one of
// the same key replaced; every row and dead letter there must be such an offset. Counts and an
// order-free checksum of the offsets on each side, and the missing and extra offsets. Pure.
import type { PartitionOffsets } from '../../types.js';

export interface TopicOffset {
  offset: number;
  /** The message's key in the target (text form), null when it has none (append-only, or a dead letter). */
  key: string | null;
}

/** One partition's comparison, as the verify report carries it. */
export type PartitionComparison = PartitionOffsets;

const MOD = 2n ** 61n;
const checksum = (offsets: Iterable<number>) => {
  let s = 0n;
  for (const o of offsets) s = (s + BigInt(o)) % MOD;
  return s.toString();
};

export function comparePartition(partition: number, from: number, to: number, topic: readonly TopicOffset[], rows: readonly number[], deadLetters: readonly number[]): PartitionComparison {
  // A key's newest message in this partition is the one its row keeps.
  const newest = new Map<string, number>();
  for (const m of topic) if (m.key !== null && (newest.get(m.key) ?? -1) < m.offset) newest.set(m.key, m.offset);
  const expected = new Set<number>();
  const replaced = new Set<number>();
  for (const m of topic) {
    if (m.key !== null && newest.get(m.key) !== m.offset) replaced.add(m.offset);
    else expected.add(m.offset);
  }
  const held = new Set([...rows, ...deadLetters]);
  const missing = [...expected].filter((o) => !held.has(o)).sort((a, b) => a - b);
  const extra = [...held].filter((o) => !expected.has(o)).sort((a, b) => a - b);
  return {
    partition,
    from,
    to,
    topicMessages: topic.length,
    expected: expected.size,
    warehouseRows: rows.length,
    deadLetters: deadLetters.length,
    topicChecksum: checksum(expected),
    warehouseChecksum: checksum(held),
    missing,
    extra,
  };
}

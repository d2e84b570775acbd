// What a topic batch reports for metrics, built the same way by both warehouse dialects: the
// unit's partition, what was consumed, and what this merge loaded, dead-lettered and left behind.
import type { StagedBatch, TopicCounts, TopicUnit } from '../types.js';

/** The counts of `unit` once `loaded` rows and `deadLettered` letters are in and the ledger stands at `nextOffset`. */
export function topicCounts(unit: TopicUnit, info: NonNullable<StagedBatch['topic']>, loaded: number, deadLettered: number, nextOffset: number): TopicCounts {
  return {
    source: unit.source,
    cell: unit.cell,
    topic: unit.topic,
    partition: unit.partition,
    consumed: info.consumed,
    loaded,
    deadLettered,
    newestTimestamp: info.newestTimestamp,
    nextOffset,
    offsetLag: Math.max(0, unit.endOffset - nextOffset),
  };
}

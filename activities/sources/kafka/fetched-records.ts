// The messages of one fetch response that lie in a planned range. Pure: record batches as the
// Kafka protocol has them come in (the client's types fit this shape), messages come out. Offsets
// and timestamps are numbers from here on; Kafka's int64 ones stay exact below 2^53.
import type { KafkaMessage } from './message.js';

/** Bit 3 of a record batch's attributes: the timestamps are log-append times, kept as the batch's max timestamp. */
const LOG_APPEND_TIME = 0x08;
const IS_CONTROL = 0x20;

export interface FetchedRecord {
  offsetDelta: number;
  timestampDelta: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}

export interface FetchedBatch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  records: FetchedRecord[];
}

/**
 * The messages of `batches` at offsets [next, end), in order, and the offset to fetch next: past
 * every batch the response held (control batches and offsets beyond `end` included), or `next`
 * itself when the response held nothing new.
 */
export function messagesInRange(batches: readonly FetchedBatch[], partition: number, next: number, end: number): { messages: KafkaMessage[]; after: number } {
  const messages: KafkaMessage[] = [];
  let after = next;
  for (const batch of batches) {
    const first = Number(batch.firstOffset);
    const last = first + batch.lastOffsetDelta;
    if (last + 1 > after) after = last + 1;
    if (batch.attributes & IS_CONTROL) continue;
    const logAppend = (batch.attributes & LOG_APPEND_TIME) !== 0;
    const maxTs = Number(batch.maxTimestamp);
    const firstTs = Number(batch.firstTimestamp);
    for (const r of batch.records) {
      const offset = first + r.offsetDelta;
      // A fetch answers whole batches: skip what lies before `next` or past the range's end.
      if (offset < next || offset >= end) continue;
      messages.push({ partition, offset, timestamp: logAppend ? maxTs : firstTs + Number(r.timestampDelta), key: r.key, value: r.value, headers: r.headers });
    }
  }
  return { messages, after };
}

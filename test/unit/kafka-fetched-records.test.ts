// The messages of a fetch response that belong to a planned range: exact offsets, in order,
// control batches and the parts of whole batches outside the range left out, and where the next
// fetch starts. Pure; record batches are built here the way the Kafka protocol has them.
import { describe, expect, it } from 'vitest';
import { messagesInRange, type FetchedBatch } from '../../activities/sources/kafka/fetched-records.js';

function batch(firstOffset: number, count: number, opts: { control?: boolean; logAppend?: boolean; firstTimestamp?: number; gaps?: number[] } = {}): FetchedBatch {
  const deltas = [...Array(count).keys()].filter((d) => !(opts.gaps ?? []).includes(d));
  const firstTimestamp = BigInt(opts.firstTimestamp ?? 1_767_225_600_000);
  return {
    firstOffset: BigInt(firstOffset),
    lastOffsetDelta: count - 1,
    attributes: (opts.control ? 0x20 : 0) | (opts.logAppend ? 0x08 : 0),
    firstTimestamp,
    maxTimestamp: firstTimestamp + 999n,
    records: deltas.map((d) => ({ offsetDelta: d, timestampDelta: BigInt(d * 10), key: d % 2 ? Buffer.from(`k${d}`) : null, value: Buffer.from(`v${firstOffset + d}`), headers: [] })),
  };
}

describe('messagesInRange', () => {
  it('keeps exactly the offsets in [next, end) of whole batches, and moves past every batch returned', () => {
    const { messages, after } = messagesInRange([batch(0, 10), batch(10, 10)], 3, 4, 15);
    expect(messages.map((m) => m.offset)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(messages.every((m) => m.partition === 3)).toBe(true);
    expect(messages[0]!.value!.toString()).toBe('v4');
    expect(messages[1]!.key!.toString()).toBe('k5');
    expect(after).toBe(20);
  });

  it('leaves out control batches (transaction markers) but moves past them', () => {
    const { messages, after } = messagesInRange([batch(0, 3), batch(3, 1, { control: true }), batch(4, 2)], 0, 0, 100);
    expect(messages.map((m) => m.offset)).toEqual([0, 1, 2, 4, 5]);
    expect(after).toBe(6);
  });

  it('has no message for offsets a batch no longer holds (compaction)', () => {
    const { messages, after } = messagesInRange([batch(100, 5, { gaps: [1, 3] })], 0, 100, 105);
    expect(messages.map((m) => m.offset)).toEqual([100, 102, 104]);
    expect(after).toBe(105);
  });

  it('takes create time per record, or the batch time when the topic keeps log-append time', () => {
    const create = messagesInRange([batch(0, 3, { firstTimestamp: 1000 })], 0, 0, 3).messages.map((m) => m.timestamp);
    expect(create).toEqual([1000, 1010, 1020]);
    const logAppend = messagesInRange([batch(0, 3, { firstTimestamp: 1000, logAppend: true })], 0, 0, 3).messages.map((m) => m.timestamp);
    expect(logAppend).toEqual([1999, 1999, 1999]);
    // No timestamp at all (-1) stays -1.
    expect(messagesInRange([batch(0, 1, { firstTimestamp: -1 })], 0, 0, 1).messages[0]!.timestamp).toBe(-1);
  });

  it('says when a response held nothing new: after stays at next', () => {
    expect(messagesInRange([], 0, 7, 10)).toEqual({ messages: [], after: 7 });
    // A batch wholly before next (a fetch answers whole batches) holds nothing new either.
    expect(messagesInRange([batch(0, 5)], 0, 7, 10)).toEqual({ messages: [], after: 7 });
  });

  it('keeps offsets beyond 2^32 exact', () => {
    const first = 2 ** 40;
    const { messages, after } = messagesInRange([batch(first, 3)], 0, first + 1, first + 3);
    expect(messages.map((m) => m.offset)).toEqual([first + 1, first + 2]);
    expect(after).toBe(first + 3);
  });
});

import { describe, expect, it } from 'vitest';
import { cdcDeadLetterError, CdcDeadLetters, isUnknownOp } from '../../activities/sources/debezium/cdc-dead-letters.js';

const ctx = { pipeline: 'orders', region: 'eu', source: 'shop/eu', topic: 'shop.public.orders', consumed: 40 };

describe('CDC events that cannot be applied', () => {
  it('takes an op this version does not know as a dead letter, not a truncate or a logical message', () => {
    expect(isUnknownOp('t')).toBe(false);
    expect(isUnknownOp('m')).toBe(false);
    expect(isUnknownOp('x')).toBe(true);
    expect(isUnknownOp('')).toBe(true);
  });

  it('does not halt a batch without dead letters', () => {
    expect(cdcDeadLetterError(new CdcDeadLetters(), ctx)).toBeNull();
  });

  it('names pipeline, region, source, topic, partition, offset, column and reason of the first, and counts the rest', () => {
    const dead = new CdcDeadLetters();
    dead.add({ partition: 2, offset: 17n, column: null, reason: 'the value is not JSON' });
    dead.add({ partition: 0, offset: 3n, column: 'amount', reason: 'scale 300000000 is beyond the limit' });
    for (let i = 0; i < 10; i++) dead.add({ partition: 1, offset: BigInt(100 + i), column: null, reason: 'op "x" is not one this version applies' });
    expect(dead.count).toBe(12);
    expect(dead.first).toHaveLength(5);
    const message = cdcDeadLetterError(dead, ctx) ?? '';
    expect(message).toContain('pipeline orders, region eu, source shop/eu: 12 of 40 events of topic shop.public.orders cannot be applied.');
    expect(message).toContain('The first is at partition 2, offset 17: shop.public.orders[2]@17: the value is not JSON.');
    expect(message).toContain('shop.public.orders[0]@3 column "amount": scale 300000000 is beyond the limit');
    expect(message).toContain('and 7 more.');
    expect(message).toContain('Nothing of this batch was written and its offsets did not advance.');
  });
});

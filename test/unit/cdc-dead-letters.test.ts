import { describe, expect, it } from 'vitest';
import { cdcDeadLetterError, CdcDeadLetters, cdcSkipCommand, isUnknownOp } from '../../activities/sources/debezium/cdc-dead-letters.js';
import { capturedTable, otherTableReason } from '../../activities/sources/debezium/other-table.js';
import { withinDeadLetterRatio } from '../../activities/sources/dead-letter-ratio.js';

const ctx = { pipeline: 'orders', region: 'eu', source: 'shop/eu', topic: 'shop.public.orders', consumed: 40, maxRatio: 0, cell: null };
const bad = (partition: number, offset: bigint, reason = 'the value is not JSON') => ({ partition, offset, code: 'undecodable' as const, column: null, reason });

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

  it('at ratio 0 names pipeline, region, source, topic, partition, offset, column and reason of the first, counts the rest, and the command that skips the first', () => {
    const dead = new CdcDeadLetters();
    dead.add(bad(2, 17n));
    dead.add({ partition: 0, offset: 3n, code: 'undecodable', column: 'amount', reason: 'scale 300000000 is beyond the limit' });
    for (let i = 0; i < 10; i++) dead.add({ partition: 1, offset: BigInt(100 + i), code: 'unknown-op', column: null, reason: 'op "x" is not one this version applies' });
    expect(dead.count).toBe(12);
    expect(dead.first).toHaveLength(5);
    const message = cdcDeadLetterError(dead, ctx) ?? '';
    expect(message).toContain('pipeline orders, region eu, source shop/eu: 12 of 40 events of topic shop.public.orders cannot be applied, and options.maxDeadLetterRatio is 0.');
    expect(message).toContain('The first is at partition 2, offset 17: shop.public.orders[2]@17: the value is not JSON.');
    expect(message).toContain('shop.public.orders[0]@3 column "amount": scale 300000000 is beyond the limit');
    expect(message).toContain('and 7 more.');
    expect(message).toContain('Nothing of this batch was written and its offsets did not advance.');
    expect(message).toContain('To move past the first as a dead letter: tributary cdc skip orders --region eu --partition 2 --offset 17.');
  });

  it('loads a batch within maxDeadLetterRatio and halts one beyond it, naming the ratio', () => {
    const dead = new CdcDeadLetters();
    dead.add(bad(0, 1n));
    dead.add(bad(0, 2n));
    expect(cdcDeadLetterError(dead, { ...ctx, maxRatio: 0.05 })).toBeNull();
    dead.add(bad(0, 3n));
    expect(cdcDeadLetterError(dead, { ...ctx, maxRatio: 0.05 })).toContain('3 of 40 events of topic shop.public.orders cannot be applied, more than options.maxDeadLetterRatio 0.05.');
    expect(withinDeadLetterRatio(0, 0, 0)).toBe(true);
    expect(withinDeadLetterRatio(1, 100, 0)).toBe(false);
    expect(withinDeadLetterRatio(1, 100, 0.01)).toBe(true);
  });

  it('never counts an operator skip towards the ratio, but stages it', () => {
    const dead = new CdcDeadLetters();
    dead.add({ partition: 0, offset: 5n, code: 'skipped by operator', column: null, reason: 'passed over with tributary cdc skip' }, { key: Buffer.from('{"id":5}'), value: Buffer.from('x'), timestamp: 0 });
    expect(dead.count).toBe(1);
    expect(dead.counted).toBe(0);
    expect(cdcDeadLetterError(dead, ctx)).toBeNull();
    expect(dead.lines()).toEqual([`0,5,1970-01-01T00:00:00.000Z,"\\x7b226964223a357d","\\x78",skipped by operator,,passed over with tributary cdc skip\n`]);
  });

  it('keeps staged lines only while the batch could still load', () => {
    const dead = new CdcDeadLetters(2);
    for (let i = 0; i < 5; i++) dead.add(bad(0, BigInt(i)));
    expect(dead.count).toBe(5);
    expect(dead.lines()).toHaveLength(2);
  });

  it('stages only the dead letters of the ranges the batch applies (a partition cut short reads the rest again)', () => {
    const dead = new CdcDeadLetters();
    for (const [partition, offset] of [[0, 3n], [0, 9n], [1, 4n]] as const) dead.add(bad(partition, offset));
    expect(dead.lines().map((l) => l.split(',').slice(0, 2).join(':'))).toEqual(['0:3', '0:9', '1:4']);
    const applied = [{ partition: 0, from: 0, to: 5 }, { partition: 1, from: 4, to: 10 }];
    expect(dead.lines(applied).map((l) => l.split(',').slice(0, 2).join(':'))).toEqual(['0:3', '1:4']);
  });

  it('names the cell in the skip command when the region has several clusters', () => {
    expect(cdcSkipCommand({ pipeline: 'orders', region: 'us', cell: 'cell-2' }, 3, 99n)).toBe('tributary cdc skip orders --region us --cell cell-2 --partition 3 --offset 99');
    expect(cdcSkipCommand({ pipeline: 'orders', region: 'us', cell: null }, 0, 0n)).toBe('tributary cdc skip orders --region us --partition 0 --offset 0');
  });
});

describe('an event for another table', () => {
  it('is told by options.capturedFrom, an unqualified table being in public', () => {
    expect(capturedTable(undefined)).toBeNull();
    expect(capturedTable({ table: 'orders' })).toEqual({ schema: 'public', table: 'orders' });
    expect(capturedTable({ table: 'shop.orders' })).toEqual({ schema: 'shop', table: 'orders' });
    const want = capturedTable({ table: 'orders' });
    expect(otherTableReason({ schema: 'public', table: 'orders' }, want)).toBeNull();
    expect(otherTableReason({ schema: 'public', table: 'refunds' }, want)).toBe('the event is for table public.refunds, not public.orders (options.capturedFrom)');
    expect(otherTableReason({ schema: 'audit', table: 'orders' }, want)).toContain('audit.orders');
    expect(otherTableReason({ schema: 'public', table: 'refunds' }, null)).toBeNull();
  });
});


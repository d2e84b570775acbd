// Cutting a CDC batch before a primary-key change whose delete (in another partition) the batch
// does not reach: the create's unchanged TOASTed values are the old row's at the change, which
// only that partition leads up to.
import { describe, expect, it } from 'vitest';
import type { ChangeEvent, DecodedRecord } from '../../activities/sources/debezium/decode.js';
import type { Row } from '../../activities/specs/row.js';
import { awaitedMoves, cutForKeyChanges } from '../../activities/sources/debezium/key-change-cut.js';
import { oldKeyId } from '../../activities/merge-rules/key-id.js';

const TOPIC = 't';
function change(partition: number, offset: number, op: ChangeEvent['op'], id: string, lsn: number, extra: Partial<ChangeEvent> = {}): ChangeEvent {
  return {
    kind: 'change',
    topic: TOPIC,
    partition,
    offset: BigInt(offset),
    op,
    key: { id },
    oldKey: null,
    before: null,
    after: op === 'd' ? null : { id, big: 'x' },
    unavailable: new Set(),
    lsn: BigInt(lsn),
    txId: null,
    sourceTsMs: lsn,
    snapshot: false,
    source: { schema: 'public', table: 't' },
    fields: null,
    ...extra,
  };
}
/** The create of key `id` after a key change from `old`, leaving `big` unchanged. */
const moveCreate = (partition: number, offset: number, id: string, old: string, lsn: number) =>
  change(partition, offset, 'c', id, lsn, { oldKey: { id: old }, after: { id }, unavailable: new Set(['big']) });

const nothingMoved = () => Promise.resolve(new Map<string, bigint>());

describe('awaitedMoves', () => {
  it('names creates after a key change that lack values and whose old key the batch does not delete', () => {
    const records: DecodedRecord[] = [change(0, 0, 'u', '1', 10), moveCreate(1, 0, '9', '1', 20)];
    expect(awaitedMoves(records)).toEqual([{ oldKey: { id: '1' }, lsn: 20n, partition: 1, offset: 0n }]);
  });

  it('is satisfied by the delete of the old key in the same batch, and ignores creates that carry every value', () => {
    const records: DecodedRecord[] = [change(0, 0, 'd', '1', 20), moveCreate(1, 0, '9', '1', 20), change(1, 1, 'c', '8', 30, { oldKey: { id: '2' } })];
    expect(awaitedMoves(records)).toEqual([]);
  });
});

describe('cutForKeyChanges', () => {
  it('cuts the partition just before a create whose old key was not moved yet', async () => {
    const records: DecodedRecord[] = [change(0, 0, 'u', '1', 10), change(1, 0, 'c', '5', 11), moveCreate(1, 1, '9', '1', 20), change(1, 2, 'u', '5', 30)];
    const { records: kept, cuts } = await cutForKeyChanges(records, nothingMoved);
    expect([...cuts]).toEqual([[1, 1n]]);
    expect(kept.map((r) => `${r.partition}:${r.offset}`)).toEqual(['0:0', '1:0']);
  });

  it('keeps the create when the warehouse moved the old key at or after its LSN', async () => {
    const records: DecodedRecord[] = [moveCreate(1, 0, '9', '1', 20)];
    const asked: Row[][] = [];
    const moved = (keys: Row[]) => {
      asked.push(keys);
      return Promise.resolve(new Map([[oldKeyId({ id: '1' }), 20n]]));
    };
    const { records: kept, cuts } = await cutForKeyChanges(records, moved);
    expect(cuts.size).toBe(0);
    expect(kept).toHaveLength(1);
    expect(asked).toEqual([[{ id: '1' }]]);
    // An older move of the same key (the key was reused since) does not count.
    const older = await cutForKeyChanges(records, () => Promise.resolve(new Map([[oldKeyId({ id: '1' }), 5n]])));
    expect([...older.cuts]).toEqual([[1, 0n]]);
  });

  it('repeats until stable: a cut can take away the delete another create relied on', async () => {
    // Partition 1 is cut at offset 1 (key 9 waits for key 1); that removes the move of key 2 at
    // offset 2, which the create of key 7 in partition 0 relied on, so partition 0 is cut too.
    const records: DecodedRecord[] = [
      change(0, 0, 'u', '3', 5),
      moveCreate(0, 1, '7', '2', 25),
      moveCreate(1, 0, '6', '4', 15),
      moveCreate(1, 1, '9', '1', 20),
      change(1, 2, 'd', '2', 25),
    ];
    const moved = () => Promise.resolve(new Map([[oldKeyId({ id: '4' }), 15n]]));
    const { records: kept, cuts } = await cutForKeyChanges(records, moved);
    expect(Object.fromEntries(cuts)).toEqual({ 0: 1n, 1: 1n });
    expect(kept.map((r) => `${r.partition}:${r.offset}`)).toEqual(['0:0', '1:0']);
  });
});

// A transaction in flight when the connector's snapshot was taken commits later, with changes at
// LSNs below the snapshot's: per key, the snapshot read (op r) still comes first.
import { expect, it } from 'vitest';
import { collapse } from '../../activities/sources/debezium/collapse.js';
import type { ChangeEvent } from '../../activities/sources/debezium/decode.js';

function ev(op: 'r' | 'u', offset: number, lsn: number, name: string): ChangeEvent {
  return {
    kind: 'change',
    topic: 't',
    partition: 0,
    offset: BigInt(offset),
    op,
    key: { id: '1' },
    oldKey: null,
    before: null,
    after: { id: '1', name },
    unavailable: new Set(),
    lsn: BigInt(lsn),
    txId: null,
    sourceTsMs: 0,
    snapshot: op === 'r',
    source: { schema: 'public', table: 't' },
    fields: null,
  };
}

it('a streamed change with a lower LSN than the snapshot still wins over the snapshot row', () => {
  const out = collapse([ev('r', 0, 500, 'as snapshotted'), ev('u', 1, 490, 'committed after the snapshot')]);
  expect(out).toHaveLength(1);
  expect(out[0]!.kind === 'upsert' && out[0]!.row.name).toBe('committed after the snapshot');
  expect(out[0]!.snapshot).toBe(false);
});

it('among streamed changes the LSN decides, whatever the offsets', () => {
  const out = collapse([ev('u', 5, 700, 'newer'), ev('u', 9, 650, 'replayed older')]);
  expect(out[0]!.kind === 'upsert' && out[0]!.row.name).toBe('newer');
});

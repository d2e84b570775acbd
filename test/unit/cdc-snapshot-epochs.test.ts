// Snapshot epochs: a snapshot read is versioned at the snapshot's point; a streamed change sent
// after it in its partition is at least that new (a transaction open at the snapshot commits later
// with lower LSNs), one sent before it keeps its LSN; collapse orders keys by these versions.
import { describe, expect, it } from 'vitest';
import { collapse } from '../../activities/sources/debezium/collapse.js';
import type { ChangeEvent } from '../../activities/sources/debezium/decode.js';
import { snapshotEpochs } from '../../activities/sources/debezium/snapshot-epochs.js';
import type { SnapshotMark } from '../../activities/sources/debezium/snapshot-mark.js';

function ev(op: 'r' | 'u' | 'd', offset: number, lsn: number, name: string, o: { id?: string; partition?: number; mark?: SnapshotMark } = {}): ChangeEvent {
  const id = o.id ?? '1';
  return {
    kind: 'change',
    topic: 't',
    partition: o.partition ?? 0,
    offset: BigInt(offset),
    op,
    key: { id },
    oldKey: null,
    before: null,
    after: op === 'd' ? null : { id, name },
    unavailable: new Set(),
    lsn: BigInt(lsn),
    txId: null,
    sourceTsMs: 0,
    snapshot: op === 'r',
    snapshotMark: o.mark ?? null,
    source: { schema: 'public', table: 't' },
    fields: null,
  };
}

describe('snapshotEpochs', () => {
  it('versions snapshot reads at their point and raises later streamed changes of the partition to it', () => {
    const before = ev('u', 0, 400, 'old generation');
    const snap = ev('r', 1, 500, 'as snapshotted', { mark: 'first' });
    const inFlight = ev('u', 2, 490, 'open across the snapshot', { id: '2' });
    const later = ev('u', 3, 600, 'after', { id: '3' });
    const other = ev('u', 0, 450, 'other partition', { partition: 1 });
    const e = snapshotEpochs([later, other, inFlight, snap, before]);
    expect([before, snap, inFlight, later, other].map((x) => e.versionOf(x))).toEqual([400n, 500n, 500n, 600n, 450n]);
    expect(e.raised).toEqual(new Map([[0, 500n]]));
    expect(e.marks).toEqual([{ mark: 'first', lsn: 500n, partition: 0, offset: 1n }]);
  });

  it("versions a streamed change at least at the commit streamed before its transaction (sequence's lastCommitLsn)", () => {
    // A long transaction's change, written at 300 and committed after the commit at 640, in a
    // partition no snapshot row reached: its commit order, not its LSN, says it is newer than 640.
    const long = { ...ev('u', 0, 300, 'long transaction', { partition: 2 }), commitLsn: 640n };
    const plain = { ...ev('u', 1, 700, 'its own LSN is higher', { partition: 2 }), commitLsn: 650n };
    const raised = { ...ev('u', 1, 300, 'epoch higher still', { id: '2' }), commitLsn: 400n };
    const e = snapshotEpochs([long, plain, ev('r', 0, 500, 'snap', { id: '2' }), raised]);
    expect([long, plain, raised].map((x) => e.versionOf(x))).toEqual([640n, 700n, 500n]);
  });

  it('lists a snapshot start before its end and older snapshots first', () => {
    const e = snapshotEpochs([ev('r', 9, 900, 'b', { mark: 'first', partition: 1 }), ev('r', 2, 500, 'a', { mark: 'last', partition: 1 }), ev('r', 5, 500, 'a', { mark: 'first', partition: 0 })]);
    expect(e.marks.map((m) => `${m.mark}@${m.lsn}`)).toEqual(['first@500', 'last@500', 'first@900']);
  });
});

describe('collapse with epochs', () => {
  it('a change committed after the snapshot wins although its LSN is lower', () => {
    const records = [ev('r', 0, 500, 'as snapshotted'), ev('u', 1, 490, 'committed after the snapshot')];
    const out = collapse(records, undefined, snapshotEpochs(records).versionOf);
    expect(out).toHaveLength(1);
    expect(out[0]!.kind === 'upsert' && out[0]!.row.name).toBe('committed after the snapshot');
    expect(out[0]!.version).toBe(500n);
  });

  it('a re-snapshot replaces a row last streamed before it, with the snapshot point as version', () => {
    const records = [ev('u', 0, 300, 'streamed before the gap'), ev('r', 1, 500, 'repaired by the snapshot')];
    const out = collapse(records, undefined, snapshotEpochs(records).versionOf);
    expect(out[0]!.kind === 'upsert' && out[0]!.row.name).toBe('repaired by the snapshot');
    expect(out[0]!.version).toBe(500n);
  });

  it('a delete sent after the snapshot deletes the snapshotted row', () => {
    const records = [ev('r', 0, 500, 'as snapshotted'), ev('d', 1, 480, '')];
    const out = collapse(records, undefined, snapshotEpochs(records).versionOf);
    expect(out[0]!.kind).toBe('delete');
  });

  it('among streamed changes of one epoch the LSN still decides (a replayed older change loses)', () => {
    const records = [ev('r', 0, 500, 'snap'), ev('u', 1, 700, 'newer'), ev('u', 2, 650, 'replayed older')];
    const out = collapse(records, undefined, snapshotEpochs(records).versionOf);
    expect(out[0]!.kind === 'upsert' && out[0]!.row.name).toBe('newer');
  });
});

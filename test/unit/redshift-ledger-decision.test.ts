// How topic and CDC batches on Redshift decide, from the offsets ledger read before the batch,
// what they load and how the ledger moves (the batch's guard re-checks it). Pure.
import { describe, expect, it } from 'vitest';
import { cdcDecision, cdcMoves, topicDecision } from '../../activities/warehouse/redshift/ledger-decision.js';
import type { CdcUnit, TopicUnit } from '../../activities/types.js';

const topic = (from: number, to: number, committed: number | null) => ({ partition: 4, from, to, committed }) as TopicUnit;
const cdc = (ranges: CdcUnit['ranges']) => ({ ranges }) as CdcUnit;

describe('Redshift ledger decisions', () => {
  it('topic: load at the ledger, with the gap retention left; skip when past; load the rest when partly done', () => {
    expect(topicDecision(null, topic(0, 10, null))).toEqual({ action: 'load', from: 0, move: { partition: 4, expected: null, next: 10, gap: null } });
    expect(topicDecision(3, topic(8, 10, 3))).toEqual({
      action: 'load',
      from: 8,
      move: { partition: 4, expected: 3, next: 10, gap: { from: 3, detail: "offsets 3 to 7 were deleted by the cluster's retention before they were loaded" } },
    });
    expect(topicDecision(10, topic(0, 10, null))).toEqual({ action: 'skip' });
    expect(topicDecision(6, topic(4, 10, 4))).toMatchObject({ action: 'load', from: 6, move: { expected: 6, next: 10 } });
    expect(() => topicDecision(2, topic(4, 10, 4))).toThrow("the ledger's next offset is 2");
  });

  it('CDC: every partition loads or every one is past; empty ranges at the ledger do not count; anything else is refused', () => {
    const unit = cdc([
      { partition: 0, from: 0, to: 5, committed: null, endOffset: 5 },
      { partition: 1, from: 3, to: 3, committed: 3, endOffset: 3 },
    ]);
    expect(cdcDecision(unit, new Map([[0, null], [1, 3]]))).toBe('load');
    expect(cdcDecision(unit, new Map([[0, 5], [1, 3]]))).toBe('skip');
    expect(() => cdcDecision(unit, new Map([[0, 2], [1, 3]]))).toThrow('another run applied part of this batch');
    expect(cdcMoves(unit.ranges, new Map([[0, null], [1, 3]]))).toEqual([
      { partition: 0, expected: null, next: 5, gap: null },
      { partition: 1, expected: 3, next: 3, gap: null },
    ]);
    expect(cdcMoves([{ partition: 2, from: 9, to: 12, committed: 4, endOffset: 12 }], new Map([[2, 4]]))[0]!.gap).toEqual({
      from: 4,
      detail: "offsets 4 to 8 were deleted by the cluster's retention before they were applied",
    });
  });
});

import { describe, expect, it } from 'vitest';
import { advance, formatState, MAX_LISTED, parseState, type BoundState } from '../../activities/sources/postgres/in-flight.js';

const T = (m: number) => `2026-12-06T10:${String(m).padStart(2, '0')}:00.000000Z`;
const snap = (inProgress: string[], explained: string[] = [], next = '1000', xmin = inProgress[0] ?? next) => ({ xmin, next, inProgress, explained });
const state = (pending: [string, string | null][], bound = T(10), seq = 3): BoundState => ({ seq, zone: 'UTC', bound, next: '900', pending, newest: null });

describe('transactions in flight across plans', () => {
  it('records an open transaction whose start the bound cannot see, under the last recorded bound', () => {
    const a = advance(state([]), snap(['950']), 'UTC', T(10), T(9));
    expect(a.state.pending).toEqual([['950', T(10)]]);
    expect(a.rereadFrom).toBeUndefined();
    expect(a.state.seq).toBe(4);
  });

  it('re-reads from its floor once it has completed', () => {
    const a = advance(state([['950', T(2)]]), snap([]), 'UTC', T(10), T(9));
    expect(a.rereadFrom).toBe(T(2));
    expect(a.state.pending).toEqual([]);
  });

  it('keeps the floor of one still open, and re-reads from the lowest of those completed', () => {
    const a = advance(state([['950', T(2)], ['951', T(4)], ['952', T(1)]]), snap(['950']), 'UTC', T(10), T(9));
    expect(a.state.pending).toEqual([['950', T(2)]]);
    expect(a.rereadFrom).toBe(T(1));
  });

  it('needs nothing for a transaction whose start the bound waits for', () => {
    const a = advance(state([]), snap(['950'], ['950']), 'UTC', T(10), T(9));
    expect(a.state.pending).toEqual([]);
  });

  it('with no recorded plan, a transaction open at the first load is re-read from the beginning once it commits', () => {
    const first = advance(null, snap(['950']), 'UTC', null, null);
    expect(first.state.pending).toEqual([['950', null]]);
    const second = advance({ ...first.state, bound: T(10), newest: null }, snap([]), 'UTC', T(10), T(9));
    expect(second.rereadFrom).toBeNull();
  });

  it('re-reads from the recorded bound when a run moved the checkpoint past it without recording its plan', () => {
    const a = advance(state([], T(10)), snap([]), 'UTC', T(20), T(19));
    expect(a.rereadFrom).toBe(T(10));
  });

  it('folds a long list into one range that completes only when all of it has', () => {
    const many = Array.from({ length: MAX_LISTED + 2 }, (_, i) => String(2000 + i * 3));
    const a = advance(state([]), snap(many), 'UTC', T(10), T(9));
    expect(a.state.pending).toEqual([[`2000-${2000 + (MAX_LISTED + 1) * 3}`, T(10)]]);
    const folded = { ...a.state, bound: T(20), newest: null };
    // One member left open: the range stays, nothing is re-read yet, and newcomers are listed apart.
    const b = advance(folded, snap(['2003', '5000'], [], '6000', '2003'), 'UTC', T(20), T(19));
    expect(b.rereadFrom).toBeUndefined();
    expect(b.state.pending).toEqual([[`2000-${2000 + (MAX_LISTED + 1) * 3}`, T(10)], ['5000', T(20)]]);
    // All of it completed (xmin above the range): re-read from its floor.
    const c = advance({ ...b.state, bound: T(30), newest: null }, snap(['5000'], [], '6000', '5000'), 'UTC', T(30), T(29));
    expect(c.rereadFrom).toBe(T(10));
    expect(c.state.pending).toEqual([['5000', T(20)]]);
  });

  it('keeps its ledger text in plan order', () => {
    const s9 = formatState(state([], T(1), 9));
    const s10 = formatState(state([], T(1), 10));
    expect(s9 < s10).toBe(true);
    expect(parseState(s10)).toEqual(state([], T(1), 10));
    expect(parseState(null)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { offsetLag, stateOf, statusRow } from '../../client/status-rows.js';

const now = new Date('2026-11-27T12:00:00.000Z');
const ok = { schedulePaused: false, lastSuccess: { runId: 'r1', closeTime: '2026-11-27T11:58:00.000Z' } };

describe('status rows', () => {
  it('facts: freshness is now minus the checkpoint, lag the source data past it', () => {
    const row = statusRow('orders', 'us', 'fact', true, ok, { source: 'app/us', cell: 'c1', checkpoint: '2026-11-27T11:57:30.000000Z', lastRunRows: 42, sourceHigh: '2026-11-27T11:59:00.000000Z' }, now);
    expect(row).toEqual({
      pipeline: 'orders',
      region: 'us',
      kind: 'fact',
      source: 'app/us',
      cell: 'c1',
      lastSuccess: '2026-11-27T11:58:00.000Z',
      rows: 42,
      counts: null,
      freshnessSeconds: 150,
      lagSeconds: 90,
      lagMessages: null,
      state: 'ok',
      schedule: 'active',
    });
    expect(statusRow('orders', 'us', 'fact', true, ok, { source: 'app/us', checkpoint: '2026-11-27T11:57:30.000000Z', sourceHigh: '2026-11-27T11:50:00.000000Z' }, now).lagSeconds).toBe(0);
    // The last run's counts, as its ledger rows add them up, pass through.
    const counts = { read: 42, inserted: 40, updated: 1, unchanged: 1, deleted: 0, deduplicated: 0, deadLettered: 0 };
    expect(statusRow('orders', 'us', 'fact', true, ok, { source: 'app/us', lastRunRows: 42, lastRunCounts: counts }, now).counts).toEqual(counts);
  });

  it('Kafka-fed pipelines: lag is the messages past where the next run starts, per partition', () => {
    const parts = [
      { partition: 0, start: 0, end: 100 },
      { partition: 1, start: 50, end: 80 },
      { partition: 2, start: 10, end: 10 },
    ];
    // Nothing loaded yet: everything kept on the cluster.
    expect(offsetLag(parts, undefined)).toBe(100 + 30);
    // Partition 0 at 60, partition 1 behind retention (its oldest kept offset counts), 2 empty.
    expect(offsetLag(parts, new Map([[0, 60], [1, 20]]))).toBe(40 + 30);
    // A ledger at the end is no lag; a partition the ledger has never seen counts from its start.
    expect(offsetLag([...parts, { partition: 3, start: 0, end: 5 }], new Map([[0, 100], [1, 80], [2, 10]]))).toBe(5);
    const row = statusRow('clicks', 'us', 'topic', false, ok, { source: 'events/us/c1', cell: 'c1', lagMessages: 70 }, now);
    expect(row).toMatchObject({ lagMessages: 70, lagSeconds: null, cell: 'c1' });
  });

  it('full dimensions: freshness is the age of the last success; no lag', () => {
    const row = statusRow('zones', 'us', 'dimension', false, ok, { source: 'app/us' }, now);
    expect(row).toMatchObject({ freshnessSeconds: 120, lagSeconds: null, cell: null, rows: null });
  });

  it('the state: running, then paused, then a failure newer than the last success, then ok', () => {
    const failed = { closeTime: '2026-11-27T11:59:00.000Z', status: 'failed', message: 'boom' };
    expect(stateOf({ ...ok, running: { workflowId: 'w', startTime: 't' }, schedulePaused: true })).toBe('running');
    expect(stateOf({ ...ok, schedulePaused: true, lastFailure: failed })).toBe('paused');
    expect(stateOf({ ...ok, lastFailure: failed })).toBe('failed');
    expect(stateOf({ ...ok, lastFailure: { ...failed, closeTime: '2026-11-27T11:00:00.000Z' } })).toBe('ok');
    expect(stateOf({})).toBe('never run');
    const row = statusRow('orders', 'us', 'fact', true, { lastFailure: failed }, { source: 'app/us', sourceError: 'lag unknown: x' }, now);
    expect(row).toMatchObject({ state: 'failed', schedule: 'missing', detail: 'failed: boom; lag unknown: x', lastSuccess: null, freshnessSeconds: null });
  });
});

describe('a continuously applied CDC pipeline', () => {
  it('shows as continuous, not paused, with its last committed batch as the last success', () => {
    const t = { ...ok, schedulePaused: true, continuous: { workflowId: 'tributary/cdc/orders/us', startTime: '2026-11-27T10:00:00.000Z' } };
    expect(stateOf(t)).toBe('continuous');
    const row = statusRow('orders_cdc', 'us', 'cdc', false, t, { source: 'us/cell-1', lastBatch: '2026-11-27T11:59:30.000Z' }, now);
    expect(row).toMatchObject({ state: 'continuous', schedule: 'paused', lastSuccess: '2026-11-27T11:59:30.000Z', freshnessSeconds: 30 });
  });
});

describe('status without Temporal history', () => {
  it('a committed batch counts as a success when Temporal no longer lists the run', () => {
    const row = statusRow('orders', 'us', 'fact', true, { schedulePaused: false }, { source: 'app/us', lastBatch: '2026-11-27T11:00:00.000Z' }, now);
    expect(row).toMatchObject({ state: 'ok', lastSuccess: '2026-11-27T11:00:00.000Z', rows: null });
  });
});

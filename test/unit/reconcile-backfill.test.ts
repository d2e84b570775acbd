import { describe, expect, it } from 'vitest';
import { toWatermark } from '../../client/backfill.js';
import { backfillWorkflowId } from '../../names/temporal-ids.js';
import { backfillUnit } from '../../workflows/backfill.js';
import type { BackfillPlan, DimensionUnit, FactUnit } from '../../activities/types.js';
import type { TributaryConfig } from '../../config/schema.js';

const from = '2026-01-01T00:00:00.000000Z';
const to = '2026-01-02T00:00:00.000000Z';
const factUnit = (source: string): FactUnit => ({ kind: 'fact', pipeline: 'orders', region: 'us', source, stream: 'public.orders', batchId: '', stagePrefix: '', checkpoint: null, from, to, after: null, until: null });
const dimensionUnit = (source: string): DimensionUnit => ({ kind: 'dimension', pipeline: 'orders', region: 'us', source, stream: 'public.orders', batchId: '', stagePrefix: '', checkpoint: null, window: null });

const plan: BackfillPlan = {
  pipeline: 'orders',
  region: 'us',
  from,
  to,
  maxParallel: 2,
  chunksTotal: 4,
  sources: [
    { source: 'app/us/c1', stream: 'public.orders', unit: factUnit('app/us/c1'), bounds: [{ watermark: '2026-01-01T06:00:00.000000Z', key: ['10'] }, { watermark: '2026-01-01T12:00:00.000000Z', key: ['20'] }] },
    { source: 'app/us/c2', stream: 'public.orders', unit: factUnit('app/us/c2'), bounds: [] },
  ],
};

describe('backfill', () => {
  it('numbers chunks over the sources; every chunk keeps the checkpoint where it is', () => {
    const units = [0, 1, 2, 3].map((i) => backfillUnit(plan, i, 'backfill-r1'));
    expect(units.map((u) => u.kind === 'fact' && [u.source, u.after?.key[0] ?? null, u.until?.key[0] ?? null, u.from, u.to])).toEqual([
      ['app/us/c1', null, '10', plan.from, plan.to],
      ['app/us/c1', '10', '20', plan.from, plan.to],
      ['app/us/c1', '20', null, plan.from, plan.to],
      ['app/us/c2', null, null, plan.from, plan.to],
    ]);
    expect(units.every((u) => u.checkpoint === null)).toBe(true);
    expect(units.map((u) => u.batchId)).toEqual(['backfill-r1:0:0', 'backfill-r1:0:1', 'backfill-r1:0:2', 'backfill-r1:1:0']);
    expect(new Set(units.map((u) => u.stagePrefix)).size).toBe(4);
    expect(() => backfillUnit(plan, 4, 'x')).toThrow(/not in the plan/);
  });

  it('a dimension backfill is a whole-table read per source', () => {
    const dim: BackfillPlan = { ...plan, from: null, to: null, chunksTotal: 2, sources: plan.sources.map((s) => ({ ...s, unit: dimensionUnit(s.source), bounds: [] })) };
    expect(backfillUnit(dim, 1, 'b')).toMatchObject({ kind: 'dimension', source: 'app/us/c2', window: null, checkpoint: null });
  });

  it('reads dates and timestamps as UTC watermarks with microseconds', () => {
    expect(toWatermark('2026-11-01')).toBe('2026-11-01T00:00:00.000000Z');
    expect(toWatermark('2026-11-01T08:30')).toBe('2026-11-01T08:30:00.000000Z');
    expect(toWatermark('2026-11-01 08:30:05.123456')).toBe('2026-11-01T08:30:05.123456Z');
    expect(toWatermark('2026-11-01T08:30:05.5+02:00')).toBe('2026-11-01T06:30:05.500000Z');
    expect(toWatermark(new Date('2026-11-01T08:30:05.123Z'))).toBe('2026-11-01T08:30:05.123000Z');
    expect(() => toWatermark('yesterday')).toThrow(/expected a date or timestamp like 2026-11-01/);
    expect(() => toWatermark('2026-13-45')).toThrow(/real date/);
  });

  it('names the workflow by pipeline, region, source and range', () => {
    const config = { temporal: { taskQueuePrefix: 'tributary' } } as TributaryConfig;
    expect(backfillWorkflowId(config, { pipeline: 'orders', region: 'us', from: plan.from, to: plan.to })).toBe(
      'tributary/backfill/orders/us/2026-01-01T00:00:00.000000Z-2026-01-02T00:00:00.000000Z',
    );
    expect(backfillWorkflowId(config, { pipeline: 'dim', region: 'eu', source: 'app/eu', from: null, to: null })).toBe('tributary/backfill/dim/eu/app:eu/full');
  });
});

// What a CDC merge reports: counts per batch and freshness = now minus the source commit time of
// the newest applied change; nothing for a retried batch that had committed already. The
// warehouse here is a recording stand-in: the merge itself is tested on PostgreSQL
// (test/integration/cdc-pipeline.test.ts).
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import { applyCdc } from '../../activities/kinds/cdc/apply.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { CdcUnit, MergeResult, StagedBatch } from '../../activities/types.js';
import type { CdcPipelineConfig } from '../../config/schema.js';
import type { WarehouseDialect } from '../../activities/warehouse/dialect.js';
import { noopMetrics, type PipelineMetrics } from '../../activities/metrics/metrics.js';

const config = validateConfig('t', {
  sources: { events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] }] } },
  warehouse: { type: 'postgres', secret: 'warehouse', schema: 'wh' },
  stage: { type: 'file', path: 'stage' },
  secrets: { provider: 'env' },
  pipelines: [{ name: 'orders-cdc', kind: 'cdc', source: 'events', topic: 'app.public.orders', target: 'orders', key: ['id'], options: { deletes: 'soft' } }],
});

const batch: StagedBatch & { unit: CdcUnit } = {
  unit: { kind: 'cdc', pipeline: 'orders-cdc', region: 'us', source: 'events/us/cell-1', stream: 'app.public.orders', cell: 'cell-1', topic: 'app.public.orders', ranges: [], batchId: 'r:cell-1', stagePrefix: 'p', checkpoint: null },
  columns: [],
  stagedColumns: [],
  files: [],
  rows: 3,
  extractedAt: '2026-01-01T00:00:00.000Z',
  checksum: 'sha256:x',
  cdc: { ranges: [], events: 5, upserts: 2, deletes: 1, newestSourceTsMs: Date.parse('2026-01-01T00:00:00.000Z') - 4_000 },
};

function setup(alreadyCommitted: boolean) {
  const seen: { target?: unknown; freshness: number[]; batches: unknown[] } = { freshness: [], batches: [] };
  const metrics: PipelineMetrics = { ...noopMetrics, batch: (_t, counts) => void seen.batches.push(counts), freshness: (_t, s) => void seen.freshness.push(s) };
  const warehouse = {
    mergeCdc(_b: StagedBatch, target: unknown): Promise<MergeResult> {
      seen.target = target;
      return Promise.resolve({ batchId: 'r:cell-1', rowsRead: 5, rowsStaged: 3, inserted: 1, updated: 1, unchanged: 0, deleted: 1, deletedAbsent: 0, deduplicated: 2, deadLettered: 0, alreadyCommitted, cdc: { newestSourceTsMs: batch.cdc!.newestSourceTsMs, events: 5 } });
    },
  } as unknown as WarehouseDialect;
  return { seen, deps: { config, metrics } as unknown as ActivityDeps, warehouse };
}

describe('applyCdc', () => {
  it('merges into the configured target and reports counts and freshness', async () => {
    const { seen, deps, warehouse } = setup(false);
    const now = () => Date.parse('2026-01-01T00:00:06.000Z');
    await applyCdc(deps, warehouse, config.pipelines[0] as CdcPipelineConfig, batch, now);
    expect(seen.target).toEqual({ schema: 'wh', table: 'orders', key: ['id'], deletes: 'soft', onNewColumn: 'add', onTypeChange: 'widen' });
    expect(seen.batches).toEqual([{ read: 5, staged: 3, inserted: 1, updated: 1, unchanged: 0, deleted: 1, deduplicated: 2, deadLettered: 0 }]);
    expect(seen.freshness).toEqual([10]);
  });

  it('reports nothing for a batch that had committed already', async () => {
    const { seen, deps, warehouse } = setup(true);
    await applyCdc(deps, warehouse, config.pipelines[0] as CdcPipelineConfig, batch);
    expect(seen.batches).toEqual([]);
    expect(seen.freshness).toEqual([]);
  });
});

// Pipeline metrics without a network: hot-shots in its mock mode (it records the DogStatsD lines
// it would send) and a prom-client registry read back as text. The real UDP packets and the
// HTTP endpoint are checked in test/integration/metrics.test.ts.
import StatsD from 'hot-shots';
import { describe, expect, it } from 'vitest';
import { CompositeMetrics } from '../../activities/metrics/composite.js';
import { noopMetrics, type PipelineMetrics } from '../../activities/metrics/metrics.js';
import { PrometheusMetrics } from '../../activities/metrics/prometheus.js';
import { reportMerge, unitTags } from '../../activities/metrics/report.js';
import { StatsdMetrics } from '../../activities/metrics/statsd.js';
import { dimension } from '../../activities/kinds/dimension/index.js';
import { fact } from '../../activities/kinds/fact/index.js';
import type { DimensionUnit, FactUnit, MergeResult, StagedBatch } from '../../activities/types.js';

const tags = { pipeline: 'orders', region: 'us', source: 'app/us', kind: 'fact' };

function statsd() {
  const client = new StatsD({ mock: true, prefix: 'tributary.' });
  return { metrics: new StatsdMetrics({ host: 'unused', port: 1, prefix: 'unused' }, client), lines: () => client.mockBuffer ?? [] };
}

describe('statsd metrics', () => {
  it('sends one counter per row kind, a batch counter and a timer, all tagged', () => {
    const { metrics, lines } = statsd();
    metrics.batch({ ...tags, cell: 'cell-1' }, { read: 10, staged: 10, inserted: 7, updated: 2, unchanged: 0, deleted: 1, deduplicated: 0, deadLettered: 0 }, 1234);
    const t = '#pipeline:orders,region:us,source:app/us,kind:fact,cell:cell-1';
    expect(lines()).toEqual([
      `tributary.rows.read:10|c|${t}`,
      `tributary.rows.staged:10|c|${t}`,
      `tributary.rows.inserted:7|c|${t}`,
      `tributary.rows.updated:2|c|${t}`,
      `tributary.rows.unchanged:0|c|${t}`,
      `tributary.rows.deleted:1|c|${t}`,
      `tributary.rows.deduplicated:0|c|${t}`,
      `tributary.rows.dead_lettered:0|c|${t}`,
      `tributary.batches:1|c|${t}`,
      `tributary.batch.duration_ms:1234|ms|${t}`,
    ]);
  });

  it('sends freshness, Kafka lag per partition and drift as gauges; a missing cell is no tag', () => {
    const { metrics, lines } = statsd();
    metrics.freshness(tags, 42.5);
    metrics.kafkaLag({ ...tags, kind: 'topic', source: 'events/us/cell-2', cell: 'cell-2', topic: 'clicks', partition: 3 }, 900, 12);
    metrics.kafkaLag({ ...tags, kind: 'topic', partition: 0 }, 5);
    metrics.drift(tags, 2);
    expect(lines()).toEqual([
      'tributary.freshness_seconds:42.5|g|#pipeline:orders,region:us,source:app/us,kind:fact',
      'tributary.kafka.lag_messages:900|g|#pipeline:orders,region:us,source:events/us/cell-2,kind:topic,cell:cell-2,topic:clicks,partition:3',
      'tributary.kafka.lag_seconds:12|g|#pipeline:orders,region:us,source:events/us/cell-2,kind:topic,cell:cell-2,topic:clicks,partition:3',
      'tributary.kafka.lag_messages:5|g|#pipeline:orders,region:us,source:app/us,kind:topic,partition:0',
      'tributary.reconcile.drift_buckets:2|g|#pipeline:orders,region:us,source:app/us,kind:fact',
    ]);
  });
});

describe('prometheus metrics', () => {
  it('adds up counters per label set and keeps dimensions as labels', async () => {
    const prom = new PrometheusMetrics();
    prom.batch(tags, { read: 10, staged: 10, inserted: 7, updated: 3, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }, 1500);
    prom.batch(tags, { read: 5, staged: 5, inserted: 5, updated: 0, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }, 500);
    prom.batch({ ...tags, region: 'eu', source: 'app/eu' }, { read: 1, staged: 1, inserted: 1, updated: 0, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }, 100);
    prom.freshness(tags, 30);
    prom.kafkaLag({ ...tags, kind: 'topic', cell: 'cell-1', topic: 'clicks', partition: 2 }, 77, 4);
    prom.drift(tags, 0);
    const text = await prom.text();
    const us = 'pipeline="orders",region="us",cell="",source="app/us",kind="fact"';
    expect(text).toContain(`tributary_rows_read_total{${us}} 15`);
    expect(text).toContain(`tributary_rows_inserted_total{${us}} 12`);
    expect(text).toContain(`tributary_rows_updated_total{${us}} 3`);
    expect(text).toContain(`tributary_rows_staged_total{${us}} 15`);
    expect(text).toContain(`tributary_rows_deduplicated_total{${us}} 0`);
    expect(text).toContain(`tributary_batches_total{${us}} 2`);
    expect(text).toContain('tributary_rows_inserted_total{pipeline="orders",region="eu",cell="",source="app/eu",kind="fact"} 1');
    expect(text).toContain(`tributary_batch_duration_seconds_sum{${us}} 2`);
    expect(text).toContain(`tributary_batch_duration_seconds_count{${us}} 2`);
    expect(text).toContain(`tributary_freshness_seconds{${us}} 30`);
    expect(text).toContain('tributary_kafka_lag_messages{pipeline="orders",region="us",cell="cell-1",source="app/us",kind="topic",topic="clicks",partition="2"} 77');
    expect(text).toContain('tributary_kafka_lag_seconds{pipeline="orders",region="us",cell="cell-1",source="app/us",kind="topic",topic="clicks",partition="2"} 4');
    expect(text).toContain(`tributary_reconcile_drift_buckets{${us}} 0`);
    // No dimension leaks into a name.
    expect(text.match(/^tributary_[a-z_]+/gm)!.every((n) => !/orders|app|us_|eu_/.test(n))).toBe(true);
  });
});

describe('composite metrics', () => {
  it('sends to every backend and survives one that throws', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const broken: PipelineMetrics = { ...noopMetrics, batch: () => { throw new Error('agent down'); } };
    const recording: PipelineMetrics = { ...noopMetrics, batch: (t) => void seen.push(t.pipeline), freshness: (t, s) => void seen.push(`fresh ${s}`) };
    const m = new CompositeMetrics([broken, recording], (e) => errors.push(e));
    m.batch(tags, { read: 1, staged: 1, inserted: 1, updated: 0, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }, 1);
    m.freshness(tags, 3);
    await m.close();
    expect(seen).toEqual(['orders', 'fresh 3']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['agent down']);
  });
});

describe('reportMerge', () => {
  const unit: FactUnit = {
    kind: 'fact', pipeline: 'orders', region: 'us', source: 'app/us', stream: 'public.orders', batchId: 'b1', stagePrefix: 'p',
    checkpoint: '2026-01-01T00:00:50.000000Z', from: null, to: '2026-01-01T00:00:50.000000Z', after: null, until: null,
  };
  const batch = { unit, rows: 12, extractedAt: '2026-01-01T00:00:58.000Z' } as StagedBatch;
  const result: MergeResult = { batchId: 'b1', rowsRead: 12, rowsStaged: 12, inserted: 8, updated: 4, unchanged: 0, deleted: 0, deletedAbsent: 0, deduplicated: 0, deadLettered: 0, alreadyCommitted: false };
  const now = Date.parse('2026-01-01T00:01:00.000Z');

  function recorder() {
    const calls: unknown[][] = [];
    const m: PipelineMetrics = { ...noopMetrics, batch: (...a) => void calls.push(['batch', ...a]), freshness: (...a) => void calls.push(['freshness', ...a]) };
    return { m, calls };
  }

  it('reports counts, duration since extraction, and freshness from the checkpoint written', () => {
    const { m, calls } = recorder();
    reportMerge(m, batch, result, { now });
    expect(calls).toEqual([
      ['batch', tags, { read: 12, staged: 12, inserted: 8, updated: 4, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }, 2000],
      ['freshness', tags, 10],
    ]);
  });

  it('a batch that re-writes the past (backfill, repair) reports its counts but no freshness', () => {
    const { m, calls } = recorder();
    reportMerge(m, batch, result, { now, rewritesPast: true });
    expect(calls).toEqual([['batch', tags, { read: 12, staged: 12, inserted: 8, updated: 4, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }, 2000]]);
  });

  it('the kinds say which batches re-write the past', () => {
    expect(fact.rewritesPast({ ...unit, checkpoint: null })).toBe(true);
    expect(fact.rewritesPast(unit)).toBe(false);
    const dim: DimensionUnit = { kind: 'dimension', pipeline: 'p', region: 'us', source: 's', stream: 'public.t', batchId: 'repair-r1:0', stagePrefix: 'x', checkpoint: null, window: null };
    expect(dimension.rewritesPast(dim)).toBe(true);
    expect(dimension.rewritesPast({ ...dim, batchId: 'run-1:0' })).toBe(false);
  });

  it('reports nothing for a retried merge of a batch that had already committed', () => {
    const { m, calls } = recorder();
    reportMerge(m, batch, { ...result, alreadyCommitted: true }, { now });
    expect(calls).toEqual([]);
  });

  it('topic batches: consumed and dead-lettered counts, freshness from the newest message, offset lag per partition', () => {
    const calls: unknown[][] = [];
    const m: PipelineMetrics = {
      ...noopMetrics,
      batch: (...a) => void calls.push(['batch', ...a]),
      freshness: (...a) => void calls.push(['freshness', ...a]),
      kafkaLag: (...a) => void calls.push(['kafkaLag', ...a]),
      drift: () => undefined,
      cdcSlot: () => undefined,
      cdcConnector: () => undefined,
      close: () => Promise.resolve(),
    };
    // A topic checkpoint is an offset: never read as a time (Date.parse('12345') is a year).
    const topicUnit = { ...unit, kind: 'topic', source: 'events/us/cell-2', cell: 'cell-2', topic: 'clicks', partition: 3, checkpoint: '12345' } as unknown as FactUnit;
    const counts = { source: 'events/us/cell-2', cell: 'cell-2', topic: 'clicks', partition: 3, consumed: 100, loaded: 97, deadLettered: 3, newestTimestamp: '2026-01-01T00:00:45.000Z', nextOffset: 12345, offsetLag: 40 };
    const t = { pipeline: 'orders', region: 'us', source: 'events/us/cell-2', kind: 'topic', cell: 'cell-2' };
    expect(unitTags(topicUnit)).toEqual(t);
    reportMerge(m, { ...batch, unit: topicUnit, rows: 97 }, { ...result, rowsRead: 100, rowsStaged: 100, inserted: 97, updated: 0, deadLettered: 3, topic: counts }, { now });
    expect(calls).toEqual([
      ['batch', t, { read: 100, staged: 100, inserted: 97, updated: 0, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 3 }, 2000],
      ['freshness', t, 15],
      ['kafkaLag', { ...t, topic: 'clicks', partition: 3 }, 40, 15],
    ]);
    calls.length = 0;
    reportMerge(m, { ...batch, unit: topicUnit }, { ...result, topic: { ...counts, offsetLag: 0, newestTimestamp: null } }, { now });
    expect(calls.slice(1)).toEqual([
      ['freshness', t, 2],
      ['kafkaLag', { ...t, topic: 'clicks', partition: 3 }, 0, 0],
    ]);
  });
});

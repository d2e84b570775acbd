// Run metrics (outcome, duration, rows) and the config's targets (freshness SLO, schedule gap),
// read back from hot-shots' mock buffer and a prom-client registry. Real packets and scrapes:
// test/integration/dashboards.test.ts.
import StatsD from 'hot-shots';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import { PrometheusMetrics } from '../../activities/metrics/prometheus.js';
import { StatsdMetrics } from '../../activities/metrics/statsd.js';
import { pipelineTargets } from '../../activities/metrics/targets.js';

const run = { pipeline: 'orders', region: 'us' };

describe('run metrics', () => {
  it('statsd: a runs counter and a duration timer by outcome, rows as a histogram', () => {
    const client = new StatsD({ mock: true, prefix: 'tributary.' });
    const m = new StatsdMetrics({ host: 'unused', port: 1, prefix: 'unused' }, client);
    m.run(run, 'succeeded', 2_500, 120);
    m.run(run, 'failed', 300);
    m.targets({ ...run, freshnessSloSeconds: 900, scheduleGapSeconds: 300 });
    m.targets({ ...run, region: 'eu', freshnessSloSeconds: 60, scheduleGapSeconds: null });
    expect(client.mockBuffer).toEqual([
      'tributary.runs:1|c|#pipeline:orders,region:us,outcome:succeeded',
      'tributary.run.duration_ms:2500|ms|#pipeline:orders,region:us,outcome:succeeded',
      'tributary.run.rows:120|h|#pipeline:orders,region:us',
      'tributary.runs:1|c|#pipeline:orders,region:us,outcome:failed',
      'tributary.run.duration_ms:300|ms|#pipeline:orders,region:us,outcome:failed',
      'tributary.slo.freshness_seconds:900|g|#pipeline:orders,region:us',
      'tributary.schedule.gap_seconds:300|g|#pipeline:orders,region:us',
      'tributary.slo.freshness_seconds:60|g|#pipeline:orders,region:eu',
    ]);
  });

  it('prometheus: runs by outcome, their durations, the last end, rows, the targets and freshness as a time', async () => {
    const prom = new PrometheusMetrics();
    const before = Date.now() / 1000;
    prom.run(run, 'succeeded', 2_000, 120);
    prom.run(run, 'succeeded', 4_000, 30);
    prom.run(run, 'failed', 500);
    prom.targets({ ...run, freshnessSloSeconds: 900, scheduleGapSeconds: 300 });
    prom.freshness({ ...run, source: 'app/us', kind: 'fact' }, 60);
    const text = await prom.text();
    const ok = 'pipeline="orders",region="us",outcome="succeeded"';
    expect(text).toContain(`tributary_runs_total{${ok}} 2`);
    expect(text).toContain('tributary_runs_total{pipeline="orders",region="us",outcome="failed"} 1');
    expect(text).toContain(`tributary_run_duration_seconds_sum{${ok}} 6`);
    expect(text).toContain(`tributary_run_duration_seconds_count{${ok}} 2`);
    expect(text).toContain('tributary_run_rows_sum{pipeline="orders",region="us"} 150');
    expect(text).toContain('tributary_run_rows_count{pipeline="orders",region="us"} 2');
    expect(text).toContain('tributary_slo_freshness_seconds{pipeline="orders",region="us"} 900');
    expect(text).toContain('tributary_schedule_gap_seconds{pipeline="orders",region="us"} 300');
    const value = (name: string, labels: string) => Number(text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))!.split(' ').at(-1));
    const lastOk = value('tributary_last_run_timestamp_seconds', ok);
    expect(lastOk).toBeGreaterThanOrEqual(Math.floor(before));
    const freshAt = value('tributary_freshness_timestamp_seconds', 'pipeline="orders",region="us",cell="",source="app/us",kind="fact"');
    // The newest complete data is 60 s older than when the freshness was reported.
    expect(lastOk - freshAt).toBeGreaterThanOrEqual(59);
    expect(lastOk - freshAt).toBeLessThan(120);
  });
});

describe('the targets a worker reports', () => {
  it('cover every pipeline of its region, with the SLO and the schedule gap', () => {
    const config = validateConfig('test', {
      sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }, { region: 'eu', secret: 'app-eu' }] } },
      warehouse: { type: 'postgres', secret: 'warehouse' },
      stage: { type: 'file', path: 'stage' },
      secrets: { provider: 'env' },
      slo: { freshnessSeconds: 1_800 },
      pipelines: [
        { name: 'orders', kind: 'fact', source: 'app', table: 'orders', key: ['id'], watermark: 'updated_at', slo: { freshnessSeconds: 600 } },
        { name: 'zones', kind: 'dimension', source: 'app', table: 'zones', key: ['id'], regions: ['eu'] },
      ],
    });
    expect(pipelineTargets(config, 'us')).toEqual([{ pipeline: 'orders', region: 'us', freshnessSloSeconds: 600, scheduleGapSeconds: 900 }]);
    expect(pipelineTargets(config, 'eu')).toEqual([
      { pipeline: 'orders', region: 'eu', freshnessSloSeconds: 600, scheduleGapSeconds: 900 },
      { pipeline: 'zones', region: 'eu', freshnessSloSeconds: 1_800, scheduleGapSeconds: 86_400 },
    ]);
  });
});

// Managed CDC without servers: a capture entry's expansion and its bad input, the connector config
// (no password, truncates emitted, the signal channel), the publication's plan and SQL, the
// health rules that turn a pipeline failed, and the slot and connector gauges' exact names.
import StatsD from 'hot-shots';
import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../config/load.js';
import type { CdcPipelineConfig } from '../../config/schema.js';
import { regionCaptures } from '../../activities/managed-cdc/captures.js';
import { configChanges, connectorConfig, includedTables } from '../../activities/managed-cdc/connector-config.js';
import { firstLine } from '../../activities/managed-cdc/connect-rest.js';
import { keyProblem, planPublication, publicationStatements } from '../../activities/managed-cdc/publication-sql.js';
import { healthFailure, healthSummary, type SlotHealth } from '../../activities/managed-cdc/slot-health.js';
import { withCaptureHealth } from '../../client/capture-health.js';
import type { StatusRow } from '../../client/status-rows.js';
import { PrometheusMetrics } from '../../activities/metrics/prometheus.js';
import { StatsdMetrics } from '../../activities/metrics/statsd.js';

const cdc = { secret: 'app-us-cdc', passwordRef: '${env:TRIBUTARY_CDC_PASSWORD}', ownerSecret: 'app-us-owner' };
const base = {
  sources: {
    app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us', cdc }, { region: 'eu', secret: 'app-eu' }] },
    events: {
      type: 'kafka',
      clusters: [
        { region: 'us', cell: 'cell-1', brokers: ['k1:9092'], connect: 'http://connect-us:8083/' },
        { region: 'us', cell: 'cell-2', brokers: ['k2:9092'] },
        { region: 'eu', cell: 'cell-1', brokers: ['k3:9092'] },
      ],
    },
  },
  warehouse: { type: 'postgres', secret: 'warehouse' },
  stage: { type: 'file', path: '/stage' },
  secrets: { provider: 'file', path: '/secrets.json' },
};
const shop = { name: 'shop', kind: 'cdc', source: 'events', regions: ['us'], capture: { from: 'app', tables: [{ table: 'orders', key: ['id'] }, { table: 'sales.Lines', key: ['order_id', 'line'], target: 'lines' }] } };
const problems = (pipelines: unknown[]) => {
  try {
    validateConfig('c.yaml', { ...base, pipelines });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('a capture entry', () => {
  it('expands into one managed cdc pipeline per table, with its topic, key and captured table, and reads back the same', () => {
    const cfg = validateConfig('c.yaml', { ...base, pipelines: [shop] });
    const ps = cfg.pipelines as CdcPipelineConfig[];
    expect(ps.map((p) => [p.name, p.topic, p.target, p.key, p.options.capturedFrom])).toEqual([
      ['shop-orders', 'tributary.shop.public.orders', 'orders', ['id'], { source: 'app', table: 'public.orders' }],
      ['shop-sales-lines', 'tributary.shop.sales.Lines', 'lines', ['order_id', 'line'], { source: 'app', table: 'sales.Lines' }],
    ]);
    expect(ps[0]!.managed).toEqual({ capture: 'shop', topicPrefix: 'tributary.shop', partitions: 1 });
    // The expanded config is a config: what workers and the CLI read from a file is the same.
    expect(validateConfig('again', JSON.parse(JSON.stringify(cfg))).pipelines).toEqual(cfg.pipelines);
    const [us] = regionCaptures(cfg);
    expect(regionCaptures(cfg)).toHaveLength(1);
    expect(us).toMatchObject({ capture: 'shop', region: 'us', connector: 'tributary-shop', slot: 'tributary_shop', publication: 'tributary_shop', connectUrl: 'http://connect-us:8083' });
    expect(us!.kafka.id).toBe('events/us/cell-1');
    expect(us!.tables.map((t) => `${t.schema}.${t.table}`)).toEqual(['public.orders', 'sales.Lines']);
  });

  it('refuses what it cannot manage, naming the entry and the field', () => {
    expect(problems([{ ...shop, regions: ['eu'] }])).toEqual([
      'pipelines[0].capture: expected cdc: { secret, passwordRef } on the server of source "app" in region "eu": the role its connector logs in as',
      'pipelines[0].capture: expected exactly one cluster of source "events" in region "eu" with connect: (its Kafka Connect REST URL), found 0',
    ]);
    expect(problems([{ ...shop, topic: 'x', key: ['id'] }])).toEqual([
      'pipelines[0].topic: expected no topic beside capture: each table of the capture gets its own',
      'pipelines[0].key: expected no key beside capture: each table of the capture gets its own',
    ]);
    expect(problems([{ ...shop, capture: { ...shop.capture, tables: [{ table: 'orders' }] } }])).toEqual(['pipelines[0].capture.tables[0].key: missing: expected a list of key columns']);
    expect(problems([{ ...shop, capture: { ...shop.capture, connector: { 'slot.name': 'mine', 'heartbeat.interval.ms': '1000' } } }])).toEqual([
      'pipelines[0].capture.connector.slot.name: expected a setting Tributary does not manage itself (and no secret), got "slot.name"',
    ]);
    expect(problems([{ ...shop, capture: { ...shop.capture, tables: [{ table: 'orders', key: ['id'] }, { table: 'public.Orders', key: ['id'] }] } }])).toEqual([
      'pipelines[0].name: expected a pipeline name used once, but table public.orders of capture "shop" and table public.Orders of capture "shop" are both pipeline "shop-orders"',
    ]);
    expect(problems([shop, { ...shop, name: 'shop-orders', capture: undefined, topic: 't', target: 't', key: ['id'] }])[0]).toContain('are both pipeline "shop-orders"');
    expect(problems([{ ...shop, name: 'a-b' }, { ...shop, name: 'a_b', capture: { ...shop.capture, tables: [{ table: 'x', key: ['id'] }] } }])).toEqual([
      'pipelines[1].name: expected captures whose slots differ, but "a_b" and "a-b" both get slot tributary_a_b (connector tributary-a_b)',
    ]);
    const secretRef = { ...base, sources: { ...base.sources, app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us', cdc: { ...cdc, passwordRef: 'cdc-local' } }] } } };
    expect(() => validateConfig('c.yaml', { ...secretRef, pipelines: [shop] })).toThrow(/passwordRef: expected a config provider reference/);
  });
});

describe('the connector config', () => {
  const cfg = validateConfig('c.yaml', { ...base, pipelines: [{ ...shop, capture: { ...shop.capture, connector: { 'heartbeat.interval.ms': '10000' } } }] });
  const c = regionCaptures(cfg)[0]!;
  const config = connectorConfig(c, { host: 'db', port: 5432, dbname: 'app', username: 'tributary_cdc' }, 'tributary');

  it('holds a password reference, never a password, emits truncates and reads signals from tributary.debezium_signal', () => {
    expect(config).toMatchObject({
      'database.user': 'tributary_cdc',
      'database.password': '${env:TRIBUTARY_CDC_PASSWORD}',
      'skipped.operations': 'none',
      'signal.enabled.channels': 'source',
      'signal.data.collection': 'tributary.debezium_signal',
      'publication.autocreate.mode': 'disabled',
      'slot.name': 'tributary_shop',
      'topic.prefix': 'tributary.shop',
      'table.include.list': 'public\\.orders,sales\\.Lines',
      'heartbeat.interval.ms': '10000',
      'tributary.managed-by': 'tributary',
      'tributary.source': 'app/us',
    });
    expect(includedTables(config['table.include.list'])).toEqual(['public.orders', 'sales.Lines']);
    expect(configChanges({ ...config, name: 'tributary-shop' }, config)).toEqual([]);
    expect(configChanges({ ...config, 'slot.name': 'other' }, config)).toEqual(['slot.name']);
  });
});

describe('the publication', () => {
  it('is created with every table and the signal table, then altered by difference', () => {
    const want = ['public.orders', 'tributary.debezium_signal'];
    const create = planPublication(undefined, want);
    expect(publicationStatements('tributary_shop', create)).toEqual([
      `CREATE PUBLICATION "tributary_shop" FOR TABLE "public"."orders", "tributary"."debezium_signal" WITH (publish = 'insert, update, delete, truncate', publish_via_partition_root = true)`,
    ]);
    const alter = planPublication({ allTables: false, publishesAll: true, viaRoot: true, tables: ['public.gone', 'tributary.debezium_signal'] }, want);
    expect(publicationStatements('tributary_shop', alter)).toEqual(['ALTER PUBLICATION "tributary_shop" ADD TABLE "public"."orders"', 'ALTER PUBLICATION "tributary_shop" DROP TABLE "public"."gone"']);
    expect(publicationStatements('p', planPublication({ allTables: false, publishesAll: true, viaRoot: true, tables: want }, want))).toEqual([]);
  });

  it('checks the declared key against the primary key Debezium keys events by', () => {
    expect(keyProblem('public.t', ['id'], ['id'])).toBeUndefined();
    expect(keyProblem('public.t', ['b', 'a'], ['a', 'b'])).toBeUndefined();
    expect(keyProblem('public.t', ['id'], ['id', 'v'])).toBe('key [id] of table public.t is not its primary key [id, v], which Debezium\'s events are keyed by');
    expect(keyProblem('public.t', ['id'], null)).toContain('has no primary key');
  });
});

describe('slot health', () => {
  const ok: SlotHealth = { slot: 's', connector: 'c', connect: 'http://connect', slotFound: true, retainedWalBytes: 5 * 1024 * 1024, slotActive: true, walStatus: 'reserved', connectorState: 'RUNNING', tasks: [{ id: 0, state: 'RUNNING' }] };
  const row: StatusRow = { pipeline: 'shop-orders', region: 'us', kind: 'cdc', source: 'events/us/cell-1', cell: 'cell-1', lastSuccess: null, rows: null, freshnessSeconds: null, lagSeconds: null, lagMessages: 0, counts: null, state: 'ok', schedule: 'active' };

  it('is failed when the slot is gone, lost WAL, the connector is missing or failed, or a task failed', () => {
    expect(healthFailure(ok, 'w')).toBeUndefined();
    expect(healthFailure({ ...ok, connectorState: 'PAUSED', tasks: [{ id: 0, state: 'PAUSED' }] }, 'w')).toBeUndefined();
    expect(healthFailure({ ...ok, slotFound: false }, 'w')).toMatch(/^w: replication slot s is gone/);
    expect(healthFailure({ ...ok, walStatus: 'lost' }, 'w')).toMatch(/lost WAL/);
    expect(healthFailure({ ...ok, connectorState: null }, 'w')).toBe('w: connector c is not on http://connect: run tributary apply');
    const trace = 'org.apache.kafka.connect.errors.ConnectException: An exception occurred\n\tat x\nCaused by: io.debezium.DebeziumException: publication "p" does not exist\n\tat y';
    expect(healthFailure({ ...ok, tasks: [{ id: 0, state: 'FAILED', trace }] }, 'w')).toBe(
      'w: task 0 of connector c failed: org.apache.kafka.connect.errors.ConnectException: An exception occurred (caused by io.debezium.DebeziumException: publication "p" does not exist) (tributary apply restarts it)',
    );
    expect(firstLine(undefined)).toBe('no trace');
  });

  it('shows in the status row, and turns it failed with the reason first', () => {
    expect(healthSummary(ok)).toBe('slot s retains 5.0 MB (active); connector running, tasks running');
    expect(withCaptureHealth(row, ok)).toEqual({
      ...row,
      detail: 'slot s retains 5.0 MB (active); connector running, tasks running',
      capture: { slot: 's', connector: 'c', slotActive: true, retainedWalBytes: 5 * 1024 * 1024, connectorState: 'RUNNING', taskStates: ['RUNNING'] },
    });
    const gone = withCaptureHealth({ ...row, detail: 'lag unknown' }, { ...ok, slotFound: false, retainedWalBytes: undefined, slotActive: undefined });
    expect(gone.state).toBe('failed');
    expect(gone.detail).toMatch(/^pipeline shop-orders, region us: replication slot s is gone.*; slot s gone; connector running, tasks running; lag unknown$/);
  });
});

describe('slot and connector gauges', () => {
  it('have the names the alert rules use, in Prometheus and DogStatsD', async () => {
    const prom = new PrometheusMetrics();
    prom.cdcSlot({ pipeline: 'shop-orders', region: 'us', slot: 'tributary_shop' }, 1234, true);
    prom.cdcConnector({ pipeline: 'shop-orders', region: 'us', connector: 'tributary-shop' }, true);
    const text = await prom.text();
    expect(text).toContain('tributary_cdc_slot_retained_wal_bytes{pipeline="shop-orders",region="us",slot="tributary_shop"} 1234');
    expect(text).toContain('tributary_cdc_slot_active{pipeline="shop-orders",region="us",slot="tributary_shop"} 1');
    expect(text).toContain('tributary_cdc_connector_task_failed{pipeline="shop-orders",region="us",connector="tributary-shop"} 1');
    prom.cdcSlot({ pipeline: 'shop-orders', region: 'us', slot: 'tributary_shop' }, undefined, false);
    const after = await prom.text();
    expect(after).not.toContain('tributary_cdc_slot_retained_wal_bytes{');
    expect(after).toContain('tributary_cdc_slot_active{pipeline="shop-orders",region="us",slot="tributary_shop"} 0');

    const client = new StatsD({ mock: true, prefix: 'tributary.' });
    const statsd = new StatsdMetrics({ host: 'unused', port: 1, prefix: 'unused' }, client);
    statsd.cdcSlot({ pipeline: 'shop-orders', region: 'us', slot: 'tributary_shop' }, 1234, true);
    statsd.cdcConnector({ pipeline: 'shop-orders', region: 'us', connector: 'tributary-shop' }, false);
    expect(client.mockBuffer).toEqual([
      'tributary.cdc.slot_retained_wal_bytes:1234|g|#pipeline:shop-orders,region:us,slot:tributary_shop',
      'tributary.cdc.slot_active:1|g|#pipeline:shop-orders,region:us,slot:tributary_shop',
      'tributary.cdc.connector_task_failed:0|g|#pipeline:shop-orders,region:us,connector:tributary-shop',
    ]);
  });
});

// The pure expansion of table sets: the rules for key and kind, names, validation of what the
// file alone shows. The real catalogs are in test/integration/table-sets.test.ts.
import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../config/load.js';
import type { CatalogTable } from '../../config/table-sets/catalog.js';
import { expandConfig } from '../../config/table-sets/expand-config.js';
import { tableSetPipelineName } from '../../config/table-sets/pipeline-name.js';

const config = (tableSets: unknown[], pipelines: unknown[] = []) =>
  validateConfig('t.yaml', {
    sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'us' }, { region: 'eu', secret: 'eu' }] } },
    warehouse: { type: 'postgres', secret: 'wh' },
    stage: { type: 'file', path: '/stage' },
    secrets: { provider: 'env' },
    pipelines,
    tableSets,
  });

const table = (name: string, extra: Partial<CatalogTable> = {}): CatalogTable => ({
  schema: 'sales',
  table: name,
  partitioned: false,
  readable: true,
  columns: [
    { name: 'id', type: 'bigint', notNull: true, indexed: true },
    { name: 'updated_at', type: 'timestamp with time zone', notNull: true, indexed: true },
  ],
  primaryKey: ['id'],
  uniqueKeys: [],
  ...extra,
});

const set = { name: 'shop', source: 'app', include: ['sales.*'], watermark: ['updated_at'] };

describe('table set expansion', () => {
  it('is the same for the same catalogs, whatever their order', () => {
    const us = { server: 'app/us', source: 'app', region: 'us', tables: [table('b'), table('a')] };
    const eu = { server: 'app/eu', source: 'app', region: 'eu', tables: [table('a'), table('b')] };
    const one = expandConfig(config([set]), [us, eu]).config.pipelines;
    const two = expandConfig(config([set]), [eu, { ...us, tables: [...us.tables].reverse() }]).config.pipelines;
    expect(one).toEqual(two);
    expect(one.map((p) => p.name)).toEqual(['shop-sales-a', 'shop-sales-b']);
  });

  it('never takes a hand-written pipeline\'s target; says so instead', () => {
    const cfg = config([set], [{ name: 'orders', kind: 'dimension', source: 'app', table: 'sales.a', target: 'analytics.a', key: ['id'] }]);
    const x = expandConfig(cfg, [{ server: 'app/us', source: 'app', region: 'us', tables: [table('a')] }]);
    expect(x.config.pipelines.map((p) => p.name)).toEqual(['orders']);
    expect(x.sets[0]!.leftOut).toContainEqual({ set: 'shop', source: 'app', table: 'sales.a', reason: 'its target analytics.a is that of pipeline orders' });
  });

  it('a region whose table differs in key is left out there, and the difference named', () => {
    const us = { server: 'app/us', source: 'app', region: 'us', tables: [table('a')] };
    const eu = { server: 'app/eu', source: 'app', region: 'eu', tables: [table('a', { primaryKey: ['id', 'updated_at'] })] };
    const x = expandConfig(config([{ ...set, watermark: [] }]), [us, eu]).sets[0]!;
    expect(x.tables.map((t) => t.regions)).toEqual([['us']]);
    expect(x.leftOut[0]).toMatchObject({ table: 'sales.a', region: 'eu', reason: 'here dimension, key (id, updated_at), in us dimension, key (id): one pipeline takes one shape' });
  });

  it('names: plain ones as they are, changed or long ones with a hash of the exact name', () => {
    expect(tableSetPipelineName('shop', 'sales', 'orders')).toBe('shop-sales-orders');
    expect(tableSetPipelineName('shop', 'sales', 'Orders')).toMatch(/^shop-sales-orders-[0-9a-f]{6}$/);
    expect(tableSetPipelineName('shop', 'sales', 'Orders')).not.toBe(tableSetPipelineName('shop', 'sales', 'ORDERS'));
    expect(tableSetPipelineName('shop', 'sales', 'x'.repeat(80))).toHaveLength(63);
  });
});

describe('table set validation (what the file alone shows)', () => {
  const problems = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    throw new Error('expected the config to be refused');
  };

  it('an override its patterns cannot match, an unknown source, a second set of one name', () => {
    const out = problems(() => config([{ ...set, overrides: { 'billing.invoices': { kind: 'fact' } } }, { ...set, source: 'nope' }]));
    expect(out).toContain('tableSets[0].overrides.billing.invoices: table set "shop" (source app), table billing.invoices: the override names a table the set\'s include and exclude patterns do not match');
    expect(out).toContain('tableSets[1].name: expected a unique table set name, but "shop" is used twice');
    expect(out).toContain('tableSets[1].source: table set "shop" (source nope): expected one of the declared sources (app)');
  });

  it('a pattern that is not schema.table', () => {
    expect(problems(() => config([{ ...set, include: ['orders'] }]))).toEqual(['tableSets[0].include[0]: expected a pattern on schema.table, like "public.*" or "sales.order_*"']);
  });
});

describe('a cdc table set: every table captured through one managed connector per region', () => {
  const cdcConfig = (tableSets: unknown[], pipelines: unknown[] = []) =>
    validateConfig('t.yaml', {
      sources: {
        app: { type: 'postgres', servers: [{ region: 'us', secret: 'us', cdc: { secret: 'us-cdc', passwordRef: '${env:CDC_PASSWORD}' } }] },
        events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['k:9092'], connect: 'http://connect:8083' }] },
      },
      warehouse: { type: 'postgres', secret: 'wh', schema: 'analytics' },
      stage: { type: 'file', path: '/stage' },
      secrets: { provider: 'env' },
      pipelines,
      tableSets,
    });
  const cdcSet = { name: 'shopcdc', source: 'app', include: ['sales.*'], cdc: { kafka: 'events' } };
  const us = (...tables: CatalogTable[]) => ({ server: 'app/us', source: 'app', region: 'us', tables });

  it('expands to managed cdc pipelines with the catalog\'s primary key, one capture, and leaves out a table without one', () => {
    const x = expandConfig(cdcConfig([cdcSet]), [us(table('orders', { primaryKey: ['id', 'updated_at'] }), table('notes', { primaryKey: null, uniqueKeys: [['id']] }))]);
    const s = x.sets[0]!;
    expect(s.tables.map((t) => [t.pipeline, t.kind, t.key])).toEqual([['shopcdc-sales-orders', 'cdc', ['id', 'updated_at']]]);
    expect(s.leftOut.map((l) => l.table)).toEqual(['sales.notes']);
    expect(s.leftOut[0]!.reason).toMatch(/^no primary key, which Debezium keys/);
    const p = x.config.pipelines.find((q) => q.name === 'shopcdc-sales-orders')!;
    expect(p).toMatchObject({
      kind: 'cdc',
      source: 'events',
      regions: ['us'],
      schedule: '*/5 * * * *',
      target: 'analytics.orders',
      key: ['id', 'updated_at'],
      topic: 'tributary.shopcdc.sales.orders',
      options: { capturedFrom: { source: 'app', table: 'sales.orders' } },
      managed: { capture: 'shopcdc', topicPrefix: 'tributary.shopcdc', partitions: 1 },
    });
  });

  it('refuses pull rules, per-table connector settings and a Kafka source without Connect, naming the set', () => {
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join('\n');
        throw err;
      }
      throw new Error('expected the config to be refused');
    };
    const out = refused(() => cdcConfig([{ ...cdcSet, watermark: ['updated_at'], overrides: { orders: { kind: 'fact', options: { decimalHandlingMode: 'string' } } } }]));
    expect(out).toContain('table set "shopcdc" (source app): expected no watermark rule beside cdc');
    expect(out).toContain('table orders: expected no kind in an override of a cdc set');
    expect(out).toContain("table orders: decimalHandlingMode is the set's connector's, not one table's");
    expect(refused(() => cdcConfig([{ ...cdcSet, cdc: { kafka: 'app' } }]))).toContain('expected a declared kafka source');
    expect(refused(() => cdcConfig([cdcSet], [{ name: 'shopcdc', kind: 'cdc', source: 'events', capture: { from: 'app', tables: [{ table: 'x', key: ['id'] }] } }]))).toContain('is both');
  });
});

// Table sets against the real catalogs of both regional sources: keys, kinds, partitioned
// tables, mixed-case names, a table only one region has; then a set end to end through apply,
// the workers and the warehouse, with a table created and one dropped between two applies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { readCatalogs } from '../../activities/catalog/read-catalog.js';
import { readRetired, readStoredCatalogs } from '../../activities/catalog/catalog-store.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { runPipeline } from '../../client/run-pipeline.js';
import { discoverTableSets } from '../../client/table-sets.js';
import { expandConfig } from '../../config/table-sets/expand-config.js';
import type { TributaryConfig } from '../../config/schema.js';
import { applySchedules, readSchedules } from '../../schedules/index.js';
import { startHarness, type Harness } from './harness.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;
const schema = uniqueName('estate');

/** The same shapes in both regions, except us_only (us) and the rows. */
async function createFixture(region: 'us' | 'eu'): Promise<void> {
  const s = ident(schema);
  await withClient(STACK.source[region]!, async (c) => {
    await c.query(`CREATE SCHEMA ${s}`);
    // The source secret's read-only role, as an operator grants it (docs/security.md); secret_table stays unreadable.
    await c.query(`GRANT USAGE ON SCHEMA ${s} TO tributary_reader`);
    await c.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO tributary_reader`);
    await c.query(`CREATE TABLE ${s}.orders (id bigint PRIMARY KEY, amount numeric(12,2), note text, updated_at timestamptz NOT NULL DEFAULT now())`);
    await c.query(`CREATE INDEX ON ${s}.orders (updated_at)`);
    await c.query(`INSERT INTO ${s}.orders SELECT g, g / 7.0, CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' || g END, now() - interval '1 hour' FROM generate_series(1, 300) g`);
    await c.query(`CREATE TABLE ${s}.countries (code text PRIMARY KEY, name text NOT NULL)`);
    await c.query(`INSERT INTO ${s}.countries VALUES ('us', 'United States'), ('fr', 'France'), ('de', 'Germany')`);
    await c.query(`CREATE TABLE ${s}.order_lines (order_id bigint NOT NULL, line_no int NOT NULL, sku text, last_update timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (order_id, line_no))`);
    await c.query(`CREATE INDEX ON ${s}.order_lines (last_update)`);
    await c.query(`INSERT INTO ${s}.order_lines SELECT g / 3, g % 3, 'sku-' || g, now() - interval '1 hour' FROM generate_series(3, 200) g`);
    await c.query(`CREATE TABLE ${s}.events (id bigint NOT NULL, day date NOT NULL, kind text, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id, day)) PARTITION BY RANGE (day)`);
    await c.query(`CREATE TABLE ${s}.events_2025 PARTITION OF ${s}.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`);
    await c.query(`CREATE TABLE ${s}.events_2026 PARTITION OF ${s}.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`);
    await c.query(`CREATE INDEX ON ${s}.events (updated_at)`);
    await c.query(`INSERT INTO ${s}.events SELECT g, date '2025-06-01' + (g % 400), 'k' || (g % 5), now() - interval '1 hour' FROM generate_series(1, 150) g`);
    await c.query(`CREATE TABLE ${s}."CustomerNotes" ("noteId" int PRIMARY KEY, "Body" text)`);
    await c.query(`INSERT INTO ${s}."CustomerNotes" SELECT g, 'body ' || g FROM generate_series(1, 20) g`);
    await c.query(`CREATE TABLE ${s}.audit_log (at timestamptz, what text)`);
    await c.query(`CREATE TABLE ${s}.by_code (code text NOT NULL, label text, updated_at timestamptz)`);
    await c.query(`CREATE UNIQUE INDEX by_code_code ON ${s}.by_code (code)`);
    await c.query(`INSERT INTO ${s}.by_code SELECT 'c' || g, 'label ' || g, now() FROM generate_series(1, 10) g`);
    await c.query(`CREATE TABLE ${s}.loose (id int PRIMARY KEY, updated_at timestamptz)`);
    await c.query(`CREATE INDEX ON ${s}.loose (updated_at)`);
    await c.query(`CREATE TABLE ${s}.secret_table (id int PRIMARY KEY)`);
    await c.query(`REVOKE SELECT ON ${s}.secret_table FROM tributary_reader`);
    if (region === 'us') {
      await c.query(`CREATE TABLE ${s}.us_only (id int PRIMARY KEY, v text)`);
      await c.query(`INSERT INTO ${s}.us_only SELECT g, 'v' || g FROM generate_series(1, 5) g`);
    }
  });
}

const setConfig = (extra: Record<string, unknown> = {}) => ({
  name: 'est',
  source: 'app',
  include: [`${schema}.*`],
  exclude: [`${schema}.loose`],
  watermark: ['updated_at', 'last_update'],
  schedule: { fact: '@every 1h', dimension: '@every 1h' },
  ...extra,
});

async function expectEqual(region: string, table: string, target: [string, string], key: string[], columns: string[]): Promise<void> {
  const src = await withClient(STACK.source[region]!, (c) => tableChecksum(c, [schema, table], key, columns));
  const dst = await withClient(STACK.warehouse, (c) => tableChecksum(c, target, key, columns, region));
  expect(dst.rows, `${region} ${table}: rows`).toBe(src.rows);
  expect(dst.distinctKeys, `${region} ${table}: duplicate keys`).toBe(dst.rows);
  expect(dst.checksum, `${region} ${table}: checksum`).toBe(src.checksum);
}

beforeAll(async () => {
  await createFixture('us');
  await createFixture('eu');
});

afterAll(async () => {
  for (const url of Object.values(STACK.source)) await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`));
});

describe('a table set expanded against the real catalogs of both regions', () => {
  it('finds keys and kinds, reads partitioned tables through the parent, keeps mixed-case names, shows what one region lacks and leaves out what has no key', async () => {
    const config = stackConfig([], { tableSets: [setConfig({ overrides: { loose: { kind: 'dimension' }, nowhere: { exclude: true } } })] });
    const read = await readCatalogs(config, createSecretProvider(config.secrets));
    expect(read.failures).toEqual([]);
    expect(read.catalogs.map((c) => c.server)).toEqual(['app/eu', 'app/us']);
    const [set] = expandConfig(config, read.catalogs).sets;
    const byTable = new Map(set!.tables.map((t) => [t.table, t]));
    expect([...byTable.keys()].sort()).toEqual(['CustomerNotes', 'by_code', 'countries', 'events', 'order_lines', 'orders', 'us_only']);

    expect(byTable.get('orders')).toMatchObject({ kind: 'fact', key: ['id'], keyFrom: 'primary key', watermark: 'updated_at', regions: ['us', 'eu'], pipeline: `est-${schema}-orders` });
    expect(byTable.get('order_lines')).toMatchObject({ kind: 'fact', key: ['order_id', 'line_no'], watermark: 'last_update' });
    expect(byTable.get('events')).toMatchObject({ kind: 'fact', key: ['id', 'day'], partitioned: true });
    expect(byTable.get('countries')).toMatchObject({ kind: 'dimension', key: ['code'] });
    expect(byTable.get('CustomerNotes')).toMatchObject({ kind: 'dimension', key: ['noteId'], target: `${config.warehouse.schema}.CustomerNotes` });
    expect(byTable.get('CustomerNotes')!.pipeline).toMatch(new RegExp(`^est-${schema}-customernotes-[0-9a-f]{6}$`));
    expect(byTable.get('by_code')).toMatchObject({ kind: 'dimension', key: ['code'], keyFrom: 'unique index' });
    expect(byTable.get('us_only')).toMatchObject({ regions: ['us'] });
    expect(set!.absent).toEqual([{ table: `${schema}.us_only`, region: 'eu', servers: ['app/eu'] }]);
    // Partitions are not tables of their own; a nullable watermark without a policy and a table without a key are left out, per region.
    expect([...byTable.keys()].some((t) => t.startsWith('events_'))).toBe(false);
    const reasons = set!.leftOut.map((l) => `${l.table} ${l.region ?? 'all'}: ${l.reason}`);
    expect(reasons).toContain(`${schema}.audit_log us: no primary key and no unique index on NOT NULL columns: declare overrides.<table>.key`);
    expect(reasons).toContain(`${schema}.audit_log eu: no primary key and no unique index on NOT NULL columns: declare overrides.<table>.key`);
    expect(reasons.some((r) => r.startsWith(`${schema}.by_code`))).toBe(false);
    expect(reasons).toContain(`${schema}.secret_table us: the source's role may not read it: grant USAGE on the schema and SELECT on the table (docs/security.md)`);
    expect(reasons).toContain('nowhere all: the override names a table the set does not match on any server');
    // "loose" is excluded by the set's pattern, so its override matches nothing the set takes.
    expect(reasons).toContain('loose all: the override names a table the set does not match on any server');
    // Every expanded pipeline is an ordinary one: the config schema filled in its defaults.
    const orders = byTable.get('orders')!.config;
    expect(orders).toMatchObject({ kind: 'fact', table: `${schema}.orders`, schedule: '@every 1h', options: { chunkRows: 250_000 } });
  });

  it('leaves out a nullable watermark unless the set declares a policy, and refuses two tables landing in one target, naming both', async () => {
    const base = stackConfig([], { tableSets: [setConfig({ exclude: [] })] });
    const read = await readCatalogs(base, createSecretProvider(base.secrets));
    const noPolicy = expandConfig(base, read.catalogs).sets[0]!;
    expect(noPolicy.leftOut.find((l) => l.table === `${schema}.loose` && l.region === 'us')?.reason).toMatch(/^watermark column updated_at is nullable/);
    const withPolicy = stackConfig([], { tableSets: [setConfig({ exclude: [], nullableWatermark: 'dimension' })] });
    expect(expandConfig(withPolicy, read.catalogs).sets[0]!.tables.find((t) => t.table === 'loose')).toMatchObject({ kind: 'dimension', because: 'updated_at is nullable (nullableWatermark: dimension)' });
    // Two sets taking the same table into <warehouse>.orders: neither is taken, each names the other.
    const twice = stackConfig([], { tableSets: [setConfig({ include: [`${schema}.orders`], exclude: [] }), { ...setConfig({ include: [`${schema}.orders`], exclude: [] }), name: 'again' }] });
    const both = expandConfig(twice, read.catalogs).sets;
    expect(both.flatMap((x) => x.tables)).toEqual([]);
    expect(both[0]!.leftOut.map((l) => l.reason)).toContain(`its target ${twice.warehouse.schema}.orders is also that of again: ${schema}.orders`);
    expect(both[1]!.leftOut.map((l) => l.reason)).toContain(`its target ${twice.warehouse.schema}.orders is also that of est: ${schema}.orders`);
    // A prefix moves the second set's table out of the way.
    const prefixed = stackConfig([], { tableSets: [setConfig({ include: [`${schema}.orders`], exclude: [] }), { ...setConfig({ include: [`${schema}.orders`], exclude: [], target: { prefix: 'again_' } }), name: 'again' }] });
    expect(expandConfig(prefixed, read.catalogs).sets.map((x) => x.tables.map((t) => t.target))).toEqual([[`${prefixed.warehouse.schema}.orders`], [`${prefixed.warehouse.schema}.again_orders`]]);
  });
});

describe('a table set end to end', () => {
  const include = () => [`${schema}.orders`, `${schema}.countries`, `${schema}.order_lines`, `${schema}.added_*`, `${schema}.CustomerNotes`];
  let config: TributaryConfig;
  let harness: Harness | undefined;

  beforeAll(async () => {
    config = stackConfig([], { tableSets: [setConfig({ include: include(), exclude: [] })] });
    harness = await startHarness(config, ['us', 'eu']);
  }, 120_000);

  afterAll(async () => {
    if (harness) {
      for (const e of await readSchedules(harness.client, config)) await harness.client.schedule.getHandle(e.id).delete();
      await harness.close();
    }
    await withClient(STACK.warehouse, (c) => c.query(`DROP SCHEMA IF EXISTS ${ident(config.warehouse.schema)} CASCADE`));
  });

  async function applyAndRunAll(): Promise<TributaryConfig> {
    const secrets = createSecretProvider(config.secrets);
    const d = await discoverTableSets(config, secrets, { store: true });
    expect(d.failures).toEqual([]);
    const result = await applySchedules(harness!.client, d.expansion.config);
    expect(result.rows.filter((r) => r.error)).toEqual([]);
    const expanded = d.expansion.config;
    for (const t of d.expansion.sets[0]!.tables) for (const r of t.regions) await runPipeline(harness!.client, expanded, t.pipeline, r);
    return expanded;
  }

  async function expectAllEqual(expanded: TributaryConfig): Promise<void> {
    const w = config.warehouse.schema;
    for (const region of ['us', 'eu']) {
      await expectEqual(region, 'orders', [w, 'orders'], ['id'], ['id', 'amount', 'note', 'updated_at']);
      await expectEqual(region, 'countries', [w, 'countries'], ['code'], ['code', 'name']);
      await expectEqual(region, 'order_lines', [w, 'order_lines'], ['order_id', 'line_no'], ['order_id', 'line_no', 'sku', 'last_update']);
      await expectEqual(region, 'CustomerNotes', [w, 'CustomerNotes'], ['noteId'], ['noteId', 'Body']);
    }
    expect(expanded.pipelines.length).toBeGreaterThan(0);
  }

  it('loads a fact and its dimensions from both regions, equal after a mutation round; a table created between applies is picked up, one dropped is retired', async () => {
    const first = await applyAndRunAll();
    const names = first.pipelines.map((p) => p.name);
    expect(names).toHaveLength(4);
    expect(names.filter((n) => !n.includes('customernotes')).sort()).toEqual([`est-${schema}-countries`, `est-${schema}-order_lines`, `est-${schema}-orders`]);
    expect(names.find((n) => n.includes('customernotes'))).toMatch(new RegExp(`^est-${schema}-customernotes-[0-9a-f]{6}$`));
    const ids = new Set((await readSchedules(harness!.client, config)).map((e) => e.id));
    for (const p of first.pipelines) for (const r of ['us', 'eu']) expect(ids.has(`${config.temporal.taskQueuePrefix}/${p.name}/${r}`), `${p.name}/${r}`).toBe(true);
    await expectAllEqual(first);

    // A mutation round in both regions: inserts and updates (facts by watermark), deletes and updates in dimensions.
    const s = ident(schema);
    for (const region of ['us', 'eu']) {
      await withClient(STACK.source[region]!, async (c) => {
        await c.query(`INSERT INTO ${s}.orders SELECT g, g, 'late', now() FROM generate_series(301, 340) g`);
        await c.query(`UPDATE ${s}.orders SET amount = amount + 1, updated_at = now() WHERE id % 9 = 0`);
        await c.query(`UPDATE ${s}.order_lines SET sku = sku || '-b', last_update = now() WHERE order_id % 5 = 0`);
        await c.query(`DELETE FROM ${s}.countries WHERE code = 'de'`);
        await c.query(`UPDATE ${s}.countries SET name = name || '!' WHERE code = 'fr'`);
        await c.query(`INSERT INTO ${s}."CustomerNotes" VALUES (99, 'new')`);
      });
    }
    await new Promise((r) => setTimeout(r, 6_000)); // past the facts' lag (5 s) so the new rows are below the safe bound
    await expectAllEqual(await applyAndRunAll());

    // Between two applies: a table appears in us, countries leaves both regions.
    for (const region of ['us', 'eu']) await withClient(STACK.source[region]!, (c) => c.query(`DROP TABLE ${s}.countries`));
    await withClient(STACK.source.us!, async (c) => {
      await c.query(`CREATE TABLE ${s}.added_regions (id int PRIMARY KEY, name text)`);
      await c.query(`INSERT INTO ${s}.added_regions SELECT g, 'r' || g FROM generate_series(1, 7) g`);
    });
    const secrets = createSecretProvider(config.secrets);
    const d = await discoverTableSets(config, secrets, { store: true });
    expect(d.added).toEqual([`est-${schema}-added_regions`]);
    expect(d.retired.map((r) => r.pipeline)).toEqual([`est-${schema}-countries`]);
    const applied = await applySchedules(harness!.client, d.expansion.config);
    const byId = new Map(applied.rows.map((r) => [r.id, r.action]));
    const prefix = config.temporal.taskQueuePrefix;
    expect(byId.get(`${prefix}/est-${schema}-added_regions/us`)).toBe('create');
    expect(byId.has(`${prefix}/est-${schema}-added_regions/eu`)).toBe(false);
    expect(byId.get(`${prefix}/est-${schema}-countries/us`)).toBe('delete');
    expect(byId.get(`${prefix}/est-${schema}-countries/eu`)).toBe('delete');
    // The worker was started before the table existed: it finds the new pipeline in the stored catalogs.
    await runPipeline(harness!.client, d.expansion.config, `est-${schema}-added_regions`, 'us');
    await expectEqual('us', 'added_regions', [config.warehouse.schema, 'added_regions'], ['id'], ['id', 'name']);
    // The dropped table's warehouse table is kept, and status has a note.
    const kept = await withClient(STACK.warehouse, (c) => c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(config.warehouse.schema)}.countries`));
    expect(kept.rows[0]?.n).toBe(4);
    const retired = await readRetired(config, secrets);
    expect(retired).toMatchObject([{ pipeline: `est-${schema}-countries`, table: `${schema}.countries`, target: `${config.warehouse.schema}.countries`, regions: ['us', 'eu'] }]);
    expect((await readStoredCatalogs(config, secrets)).map((c) => c.server)).toEqual(['app/eu', 'app/us']);
  }, 300_000);
});

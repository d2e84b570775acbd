// A `timestamp without time zone` watermark is a wall-clock reading of the zone the application
// writes in. Whatever that zone (the source database's TimeZone, or one declared on the pipeline),
// late commits and updates arrive, the DST fall-back hour is never skipped, and a zone that does
// not match the values fails the plan with a message that says what to set.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import type { TributaryConfig } from '../../config/schema.js';
import { runBackfill } from '../../client/backfill.js';
import { pipelineStatus } from '../../client/status.js';
import { runVerify } from '../../client/verify.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;
const COLS = ['id', 'v', 'updated_at'];
const server = new URL(STACK.source.us!);
const dbUrl = (db: string) => `${server.protocol}//${server.username}:${server.password}@${server.host}/${db}`;
const databases: string[] = [];
const schemas: string[] = [];

/** A database of its own on the us source, with its TimeZone, and a naive-watermark table in it. */
async function zoneDatabase(zone: string, rows: number, appZone?: string): Promise<{ db: string; table: string }> {
  const db = uniqueName('tz');
  const table = 'ny_events';
  databases.push(db);
  await withClient(STACK.source.us!, async (c) => {
    await c.query(`CREATE DATABASE ${ident(db)}`);
    await c.query(`ALTER DATABASE ${ident(db)} SET TimeZone = ${literal(zone)}`);
    await c.query(`GRANT CONNECT ON DATABASE ${ident(db)} TO tributary_reader`);
  });
  await app(db, appZone, async (c) => {
    await c.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, v text, updated_at timestamp NOT NULL DEFAULT now())`);
    await c.query(`CREATE INDEX ON public.${table} (updated_at)`);
    await c.query(`GRANT SELECT ON public.${table} TO tributary_reader`);
    await c.query(`INSERT INTO public.${table} (id, v) SELECT g, 'v' || g FROM generate_series(1, $1::int) g`, [rows]);
  });
  return { db, table };
}

/** An application session: the database's zone, or its own. */
async function app<T>(db: string, zone: string | undefined, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: dbUrl(db) });
  await c.connect();
  try {
    if (zone) await c.query(`SET TimeZone = ${literal(zone)}`);
    return await fn(c);
  } finally {
    await c.end();
  }
}

function zoneConfig(db: string, table: string, extra: Record<string, unknown> = {}): TributaryConfig {
  const pipeline: Record<string, unknown> = { name: 'events', kind: 'fact', source: 'tz', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0 }, ...extra };
  if (pipeline.kind === 'dimension') delete pipeline.watermark;
  const config = stackConfig(
    [pipeline],
    { sources: { tz: { type: 'postgres', servers: [{ region: 'us', database: db, secret: 'app-us' }] } } },
  );
  schemas.push(config.warehouse.schema);
  return config;
}

async function expectEqual(config: TributaryConfig, db: string, table: string): Promise<void> {
  const target = targetTable(config, config.pipelines[0]!);
  const src = await withClient(dbUrl(db), (c) => tableChecksum(c, ['public', table], ['id'], COLS));
  const dst = await withClient(STACK.warehouse, (c) => tableChecksum(c, target, ['id'], COLS, 'us'));
  expect(dst.rows, 'warehouse rows').toBe(src.rows);
  expect(dst.checksum, 'per-row checksum').toBe(src.checksum);
}

/** The sequence: a first load; an update held open while another commits; a run; the first commits; a run. */
async function lateCommits(h: Harness, db: string, table: string, appZone?: string): Promise<void> {
  expect(await h.run('events', 'us')).toMatchObject({ rowsStaged: 1000 });
  const held = new pg.Client({ connectionString: dbUrl(db) });
  await held.connect();
  try {
    if (appZone) await held.query(`SET TimeZone = ${literal(appZone)}`);
    await held.query('BEGIN');
    await held.query(`UPDATE public.${table} SET v = 'late', updated_at = now() WHERE id <= 100`);
    await app(db, appZone, (c) => c.query(`UPDATE public.${table} SET v = 'quick', updated_at = now() WHERE id BETWEEN 101 AND 110`));
    await h.run('events', 'us');
    await held.query('COMMIT');
  } finally {
    await held.end();
  }
  await h.run('events', 'us');
}

afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
  await withClient(STACK.source.us!, async (c) => {
    for (const db of databases) await c.query(`DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`);
  });
});

describe('a timestamp without time zone watermark', () => {
  for (const zone of ['America/New_York', 'Asia/Tokyo', 'UTC']) {
    it(`in a source database whose TimeZone is ${zone}: every row arrives`, async () => {
      const { db, table } = await zoneDatabase(zone, 1000);
      const config = zoneConfig(db, table);
      const h = await startHarness(config, ['us']);
      try {
        await lateCommits(h, db, table);
        await expectEqual(config, db, table);
        // The ledger says which zone the checkpoint is a reading of.
        const streams = await withClient(STACK.warehouse, async (c) =>
          (await c.query<{ stream: string }>(`SELECT stream FROM ${ident(config.warehouse.schema)}.tributary_checkpoints ORDER BY stream`)).rows.map((r) => r.stream),
        );
        expect(streams).toEqual(zone === 'UTC' ? ['public.ny_events', 'public.ny_events#bound'] : [`public.ny_events#bound`, `public.ny_events@${zone}`].sort());
        // Status reads the checkpoint as a reading of that zone: fresh, not hours off.
        const [row] = await pipelineStatus(h.client, config);
        expect(row!.freshnessSeconds).toBeLessThan(600);
        expect(row!.lagSeconds).toBeLessThan(600);
        // Verify finds the zone's checkpoint too: every row compared, none drifted.
        const verified = await runVerify(h.client, config, { pipeline: 'events', region: 'us', buckets: 8 });
        expect(verified.before.driftedBuckets).toBe(0);
        expect(verified.before.sources[0]).toMatchObject({ drifted: [], warehouseRows: 1000 });
        expect(verified.before.sources[0]!.note).toBeUndefined();
      } finally {
        await h.close();
      }
    });
  }

  it('declared on the pipeline while the database stays at UTC: every row arrives', async () => {
    const { db, table } = await zoneDatabase('UTC', 1000, 'America/New_York');
    const config = zoneConfig(db, table, { watermarkTimeZone: 'America/New_York' });
    const h = await startHarness(config, ['us']);
    try {
      await lateCommits(h, db, table, 'America/New_York');
      await expectEqual(config, db, table);
    } finally {
      await h.close();
    }
  });

  it('fails the plan, naming the column, the zone assumed and the offset, when the values are written in another zone', async () => {
    // East of the zone assumed: rows stamped hours ahead of its clock.
    const east = await zoneDatabase('UTC', 200, 'Asia/Tokyo');
    const h1 = await startHarness(zoneConfig(east.db, east.table), ['us']);
    try {
      const msg = await failureOf(h1.run('events', 'us'));
      expect(msg).toContain('column updated_at');
      expect(msg).toContain("zone UTC, the source database's TimeZone");
      expect(msg).toContain('9:00 h east');
      expect(msg).toContain('watermarkTimeZone');
    } finally {
      await h1.close();
    }
    // West of it: once rows are being written, the newest sits hours behind its clock.
    const west = await zoneDatabase('UTC', 200, 'America/New_York');
    const h2 = await startHarness(zoneConfig(west.db, west.table), ['us']);
    try {
      await h2.run('events', 'us');
      await app(west.db, 'America/New_York', (c) => c.query(`UPDATE public.${west.table} SET v = 'x', updated_at = now() WHERE id <= 5`));
      const msg = await failureOf(h2.run('events', 'us'));
      expect(msg).toMatch(/is 5:00 h behind the clock of zone UTC, the source database's TimeZone: the values look written in a zone 5:00 h west of it/);
    } finally {
      await h2.close();
    }
  });

  it('a handful of rows stamped in the future is a warning in the run result, not a failure', async () => {
    const { db, table } = await zoneDatabase('UTC', 100);
    await app(db, undefined, (c) => c.query(`UPDATE public.${table} SET updated_at = now() + interval '3 hours' WHERE id <= 2`));
    const config = zoneConfig(db, table);
    const h = await startHarness(config, ['us']);
    try {
      const r = await h.run('events', 'us');
      expect(r.rowsStaged).toBe(98);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings![0]).toContain('2 row(s) stamped more than 5 minutes ahead of the clock');
      const [row] = await pipelineStatus(h.client, config);
      expect(row!.detail).toContain('2 row(s) stamped more than 5 minutes ahead of the clock');
    } finally {
      await h.close();
    }
  });

  it('refuses a change of zone until a backfill with --adopt-zone re-reads from below both readings', async () => {
    // Read as UTC while the application writes New York time: the updates of the last hours are skipped.
    const { db, table } = await zoneDatabase('UTC', 50, 'America/New_York');
    const first = zoneConfig(db, table);
    const h1 = await startHarness(first, ['us']);
    try {
      await h1.run('events', 'us');
    } finally {
      await h1.close();
    }
    await app(db, 'America/New_York', (c) => c.query(`UPDATE public.${table} SET v = 'skipped', updated_at = now() WHERE id <= 10`));
    const moved = zoneConfig(db, table, { watermarkTimeZone: 'America/New_York' });
    moved.warehouse = { ...moved.warehouse, schema: first.warehouse.schema };
    const h2 = await startHarness(moved, ['us']);
    try {
      const msg = await failureOf(h2.run('events', 'us'));
      expect(msg).toContain('was read in zone UTC, and the watermark is now read in zone America/New_York');
      expect(msg).toContain('--adopt-zone');
      // A backfill that starts too late is refused, naming where it must start.
      const late = new Date(Date.now() - 60_000);
      const tooLate = await failureOf(runBackfill(h2.client, moved, { pipeline: 'events', region: 'us', from: late, to: new Date(), adoptZone: true }));
      expect(tooLate).toMatch(/to adopt zone America\/New_York, the backfill must start at or before \d{4}-\d{2}-\d{2}T/);
      const from = new Date(Date.now() - 24 * 3_600_000);
      await runBackfill(h2.client, moved, { pipeline: 'events', region: 'us', from, to: new Date(Date.now() + 3_600_000), adoptZone: true });
      await app(db, 'America/New_York', (c) => c.query(`UPDATE public.${table} SET v = 'after', updated_at = now() WHERE id BETWEEN 11 AND 15`));
      await h2.run('events', 'us');
      await expectEqual(moved, db, table);
    } finally {
      await h2.close();
    }
  });

  it('an incremental dimension reads its change column in the zone too, and adopts a new one on a full pass', async () => {
    const { db, table } = await zoneDatabase('America/New_York', 300);
    const dim = (extra: Record<string, unknown> = {}) =>
      zoneConfig(db, table, { kind: 'dimension', options: { incremental: { column: 'updated_at', lagSeconds: 0, fullPassEveryHours: 24, ...extra } } });
    const config = dim();
    const h = await startHarness(config, ['us']);
    try {
      await h.run('events', 'us'); // the first run is a full pass
      const held = new pg.Client({ connectionString: dbUrl(db) });
      await held.connect();
      await held.query('BEGIN');
      await held.query(`UPDATE public.${table} SET v = 'late', updated_at = now() WHERE id <= 20`);
      await app(db, undefined, (c) => c.query(`UPDATE public.${table} SET v = 'quick', updated_at = now() WHERE id BETWEEN 21 AND 25`));
      // tributary_reader cannot see the held transaction's start (no pg_read_all_stats): the run
      // reads the quick rows and records the held one as in flight.
      expect(await h.run('events', 'us')).toMatchObject({ updated: 5 });
      await held.query('COMMIT');
      await held.end();
      // Once it has committed, the next run re-reads from the earlier bound: the late rows arrive.
      expect(await h.run('events', 'us')).toMatchObject({ updated: 20 });
      await expectEqual(config, db, table);
    } finally {
      await h.close();
    }
    const moved = dim({ timeZone: 'Asia/Tokyo' });
    moved.warehouse = { ...moved.warehouse, schema: config.warehouse.schema };
    const h2 = await startHarness(moved, ['us']);
    try {
      expect(await failureOf(h2.run('events', 'us'))).toContain('--full-pass');
      await h2.run('events', 'us', { fullPass: true });
      await expectEqual(moved, db, table);
    } finally {
      await h2.close();
    }
  });

  it('never skips the DST fall-back hour: rows stamped in the repeated hour arrive', async () => {
    // America/New_York sets its clocks back at 2026-11-01 06:00 UTC (02:00 EDT -> 01:00 EST). The
    // runs' clock is moved there through the lag (now() - lag), one config per moment.
    const { db, table } = await zoneDatabase('UTC', 0);
    const stamp = (ids: number[], naive: string) =>
      app(db, undefined, (c) => c.query(`INSERT INTO public.${table} (id, v, updated_at) SELECT g, 'at ' || $2, $2::timestamp FROM unnest($1::int[]) g`, [ids, naive]));
    const schema = uniqueName('test_dst');
    schemas.push(schema);
    const runAt = async (utc: string) => {
      const lag = Math.round((Date.now() - Date.parse(utc)) / 1000);
      const config = zoneConfig(db, table, { watermarkTimeZone: 'America/New_York', options: { lagSeconds: lag } });
      config.warehouse = { ...config.warehouse, schema };
      const h = await startHarness(config, ['us']);
      try {
        return await h.run('events', 'us');
      } finally {
        await h.close();
      }
    };
    await stamp([1, 2], '2026-11-01T00:30:00'); // 04:30 UTC, EDT
    await stamp([3], '2026-11-01T01:10:00'); // 05:10 UTC, EDT (first 01:10)
    const a = await runAt('2026-11-01T05:20:00Z'); // 01:20 EDT: the clock goes back within the hour
    expect(a.ranges[0]!.to! <= '2026-11-01T01:00:00').toBe(true);
    await stamp([4], '2026-11-01T01:40:00'); // 05:40 UTC, EDT
    await runAt('2026-11-01T05:50:00Z'); // 01:50 EDT
    await stamp([5, 6], '2026-11-01T01:10:00'); // 06:10 UTC: 01:10 EST, the second 01:10
    await runAt('2026-11-01T06:20:00Z'); // 01:20 EST
    await stamp([7], '2026-11-01T01:50:00'); // 06:50 UTC, EST
    await runAt('2026-11-01T07:30:00Z'); // 02:30 EST
    const config = zoneConfig(db, table);
    config.warehouse = { ...config.warehouse, schema };
    await expectEqual(config, db, table);
  });
});

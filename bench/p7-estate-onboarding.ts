// P7: a whole schema onboarded from both regions, side by side in one run:
//   tributary  a config of ten lines with one table set; apply's catalog read and store, then a run
//              of every expanded pipeline in both regions at once on one worker per region
//   dlt        dlt's sql_database source over the same tables (merge on the reflected primary key),
//              one process per region at once (peers/dlt_estate.py)
// Then P2 at estate scale: a no-change poll of every pipeline, against the floor (a fresh
// connection and one max() per pipeline). And the time of `tributary plan` and status.
// The generated schema: 75% small dimensions (100 to 10k rows), 20% facts of 50k rows, 5% facts of
// 500k rows (times BENCH_P7_ROW_SCALE), mixed types, some composite keys, some partitioned facts,
// a few tables without a key (left out by the set, and not given to dlt). No smallint column:
// dlt 1.31's parquet load through ADBC fails on one ("incorrect binary data format"), nor an
// array column ("invalid byte sequence for encoding UTF8: 0x00").
// Usage: node --import tsx bench/p7-estate-onboarding.ts [tables per region, default 200]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createSecretProvider } from '../activities/secrets/provider.js';
import { tableChecksum } from '../activities/sources/postgres/table-checksum.js';
import { connectClient, startPipeline } from '../client/run-pipeline.js';
import { pipelineStatus } from '../client/status.js';
import { discoverTableSets } from '../client/table-sets.js';
import { parseConfig } from '../config/load.js';
import { boundedMap } from '../workflows/bounded.js';
import { withClient } from '../test/integration/stack.js';
import { ROOT, runTimed, sql, startWorker } from './support.js';

const TABLES = Number(process.argv[2] ?? 200);
const ROW_SCALE = Number(process.env.BENCH_P7_ROW_SCALE ?? 1);
const SOURCES = { us: 'postgres://postgres:postgres@127.0.0.1:55432/app', eu: 'postgres://postgres:postgres@127.0.0.1:55433/app' } as const;
const READERS = { us: 'postgres://tributary_reader:reader-local@127.0.0.1:55432/app', eu: 'postgres://tributary_reader:reader-local@127.0.0.1:55433/app' } as const;
const WAREHOUSE = 'postgres://postgres:postgres@127.0.0.1:55434/warehouse';
const SCHEMA = 'bench_p7';
const REGIONS = ['us', 'eu'] as const;

interface Spec {
  name: string;
  kind: 'dimension' | 'fact';
  rows: number;
  key: string[] | null;
  columns: string[];
  partitioned: boolean;
  small: boolean;
}

function specs(): Spec[] {
  return Array.from({ length: TABLES }, (_, i): Spec => {
    const name = `t${String(i).padStart(3, '0')}`;
    if (i < TABLES * 0.75) {
      const keyless = i % 40 === 39;
      const composite = i % 7 === 3;
      return {
        name: `${name}_dim`,
        kind: 'dimension',
        rows: Math.max(10, Math.round((100 + ((i * 677) % 9900)) * ROW_SCALE)),
        key: keyless ? null : composite ? ['id', 'part'] : ['id'],
        columns: ['id', 'part', 'name', 'code', 'price', 'active', 'created', 'tags'],
        partitioned: false,
        small: true,
      };
    }
    const big = i >= TABLES * 0.95;
    return {
      name: `${name}_fact`,
      kind: 'fact',
      rows: Math.max(10, Math.round((big ? 500_000 : 50_000) * ROW_SCALE)),
      key: i % 4 === 1 ? ['id', 'line'] : ['id'],
      columns: ['id', 'line', 'customer_id', 'amount', 'status', 'payload', 'updated_at'],
      partitioned: i % 5 === 0,
      small: false,
    };
  });
}

async function seed(region: keyof typeof SOURCES, all: Spec[]): Promise<void> {
  const c = new pg.Client({ connectionString: SOURCES[region] });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}; GRANT USAGE ON SCHEMA ${SCHEMA} TO tributary_reader`);
    await c.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${SCHEMA} GRANT SELECT ON TABLES TO tributary_reader`);
    for (const s of all) {
      const t = `${SCHEMA}.${s.name}`;
      if (s.kind === 'dimension') {
        await c.query(`CREATE TABLE ${t} (id int NOT NULL, part int NOT NULL, name text, code varchar(12), price numeric(10,2), active boolean, created date, tags text${s.key ? `, PRIMARY KEY (${s.key.join(', ')})` : ''})`);
        await c.query(
          `INSERT INTO ${t} SELECT g, g % 3, 'name ' || g || CASE WHEN g % 9 = 0 THEN E', "q"\\n' ELSE '' END, 'C' || (g % 997), (g % 10000) / 100.0, g % 2 = 0, date '2024-01-01' + g % 700, 'a' || g % 5 || ',b' FROM generate_series(1, $1) g`,
          [s.rows],
        );
      } else {
        const pk = `PRIMARY KEY (${s.key!.join(', ')})`;
        await c.query(`CREATE TABLE ${t} (id bigint NOT NULL, line int NOT NULL, customer_id int NOT NULL, amount numeric(12,2), status text NOT NULL, payload jsonb, updated_at timestamptz NOT NULL, ${pk})${s.partitioned ? ' PARTITION BY RANGE (id)' : ''}`);
        if (s.partitioned) {
          const half = Math.ceil(s.rows / 2);
          await c.query(`CREATE TABLE ${t}_p0 PARTITION OF ${t} FOR VALUES FROM (MINVALUE) TO (${half})`);
          await c.query(`CREATE TABLE ${t}_p1 PARTITION OF ${t} FOR VALUES FROM (${half}) TO (MAXVALUE)`);
        }
        await c.query(`CREATE INDEX ON ${t} (updated_at)`);
        await c.query(
          `INSERT INTO ${t} SELECT g, g % 4, g % 97, CASE WHEN g % 11 = 0 THEN NULL ELSE (g % 10007) / 100.0 END, (ARRAY['new','paid','shipped'])[1 + g % 3], jsonb_build_object('g', g), timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, $1) g`,
          [s.rows],
        );
      }
    }
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}

const CONFIG = (stage: string) => `sources:
  app: { type: postgres, servers: [{ region: us, secret: app-us }, { region: eu, secret: app-eu }] }
warehouse: { type: postgres, secret: warehouse, schema: ${SCHEMA} }
stage: { type: file, path: ${stage} }
secrets: { provider: file, path: ${join(ROOT, 'infra/local/secrets.json')} }
temporal: { taskQueuePrefix: bench-p7 }
tableSets:
  - name: p7
    source: app
    include: [${SCHEMA}.*]
    watermark: [updated_at]
`;

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

const all = specs();
// The machine is shared: its load (1-minute average) before and after says how much else ran.
const loadBefore = loadavg()[0]!;
console.error(`seeding ${TABLES} tables in each region (row scale ${ROW_SCALE})`);
await Promise.all(REGIONS.map((r) => seed(r, all)));
await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; DROP SCHEMA IF EXISTS ${SCHEMA}_dlt_us CASCADE; DROP SCHEMA IF EXISTS ${SCHEMA}_dlt_eu CASCADE; DROP SCHEMA IF EXISTS ${SCHEMA}_dlt_us_staging CASCADE; DROP SCHEMA IF EXISTS ${SCHEMA}_dlt_eu_staging CASCADE`);
const configText = CONFIG(mkdtempSync(join(tmpdir(), 'bench-p7-stage-')));
const config = parseConfig('bench-p7.yaml', configText);
const secrets = createSecretProvider(config.secrets);
const configFile = join(mkdtempSync(join(tmpdir(), 'bench-p7-config-')), 'config.json');
writeFileSync(configFile, JSON.stringify(config));
const workers = await Promise.all(REGIONS.map((r) => startWorker(config, [], r)));
workers.forEach((w) => w.stdout.resume());
// A failed check ends the bench: never leave its workers behind.
process.on('exit', () => workers.forEach((w) => w.kill('SIGINT')));
const client = await connectClient(config);

// Tributary: catalog read and store (as apply), then every pipeline in both regions at once.
async function runAll(expanded: typeof config, pipelines: { name: string; regions: string[] }[]): Promise<void> {
  const handles = await Promise.all(pipelines.flatMap((p) => p.regions.map((r) => startPipeline(client, expanded, p.name, r))));
  await Promise.all(handles.map((h) => h.result()));
}
const t0 = process.hrtime.bigint();
const discovered = await discoverTableSets(config, secrets, { store: true });
const planned = discovered.expansion.sets[0]!;
const expanded = discovered.expansion.config;
const tPlanStored = seconds(t0);
const smallPipelines = planned.tables.filter((t) => all.find((s) => s.name === t.table)?.small).map((t) => ({ name: t.pipeline, regions: t.regions }));
const otherPipelines = planned.tables.filter((t) => !all.find((s) => s.name === t.table)?.small).map((t) => ({ name: t.pipeline, regions: t.regions }));
const tSmall0 = process.hrtime.bigint();
await runAll(expanded, smallPipelines);
const tSmall = seconds(tSmall0);
await runAll(expanded, otherPipelines);
const tributarySeconds = seconds(t0);

// Every table equal to its source: count, no duplicate key, per-row checksum.
const keyed = all.filter((s) => s.key);
for (const region of REGIONS) {
  for (const s of keyed) {
    const src = await withClient(SOURCES[region], (c) => tableChecksum(c, [SCHEMA, s.name], s.key!, s.columns));
    const dst = await withClient(WAREHOUSE, (c) => tableChecksum(c, [SCHEMA, s.name], s.key!, s.columns, region));
    if (src.rows !== dst.rows || dst.distinctKeys !== dst.rows || src.checksum !== dst.checksum) throw new Error(`tributary ${region} ${s.name}: ${dst.rows} rows of ${src.rows}, checksum ${src.checksum === dst.checksum ? 'equal' : 'different'}`);
  }
}
const leftOut = planned.leftOut.map((l) => `${l.table} (${l.region ?? 'all'}): ${l.reason}`);
console.error(`tributary: ${planned.tables.length} tables x ${REGIONS.length} regions in ${tributarySeconds.toFixed(1)} s; left out: ${leftOut.length}`);

// dlt: the same keyed tables, one process per region at once.
const venv = execFileSync('bash', [join(ROOT, 'bench/peers/install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const tDlt0 = process.hrtime.bigint();
const dltRuns = await Promise.all(
  REGIONS.map((r) =>
    // SQLAlchemy 2.1 maps postgresql:// to psycopg 3; dlt's postgres extra brings psycopg2.
    runTimed(join(venv, 'bin/python'), [join(ROOT, 'bench/peers/dlt_estate.py'), SOURCES[r].replace('postgres://', 'postgresql+psycopg2://'), SCHEMA, WAREHOUSE, `${SCHEMA}_dlt_${r}`, keyed.map((s) => s.name).join(',')]),
  ),
);
const dltSeconds = seconds(tDlt0);
for (const region of REGIONS) {
  for (const s of keyed) {
    const n = Number(((await sql(WAREHOUSE, `SELECT count(*) AS n FROM ${SCHEMA}_dlt_${region}.${s.name}`)).rows[0] as { n: string }).n);
    if (n !== s.rows) throw new Error(`dlt ${region} ${s.name}: ${n} rows of ${s.rows}`);
  }
}
console.error(`dlt: ${dltSeconds.toFixed(1)} s`);

// P2 at estate scale: a no-change poll of every pipeline, against the floor.
const every = planned.tables.map((t) => ({ name: t.pipeline, regions: t.regions }));
const tPoll0 = process.hrtime.bigint();
await runAll(expanded, every);
const pollSeconds = seconds(tPoll0);
const tFloor0 = process.hrtime.bigint();
// At most FLOOR_PARALLEL connections per server at once: a server takes 200 (and an estate's
// pipelines at once would be more); one worker per region runs at most 16 activities at once.
const FLOOR_PARALLEL = 32;
await Promise.all(
  REGIONS.map((r) =>
    boundedMap(
      planned.tables.filter((t) => t.regions.includes(r)),
      FLOOR_PARALLEL,
      (t) => sql(READERS[r], `SELECT max(${t.watermark ?? t.key[0]}) FROM ${SCHEMA}.${t.table}`),
    ),
  ),
);
const floorSeconds = seconds(tFloor0);

// Plan (catalog reads, no store) and status of every pipeline.
const tPlan0 = process.hrtime.bigint();
await discoverTableSets(config, secrets, { store: false });
const planSeconds = seconds(tPlan0);
const tStatus0 = process.hrtime.bigint();
await pipelineStatus(client, expanded);
const statusSeconds = seconds(tStatus0);

const pipelinesRun = every.reduce((n, p) => n + p.regions.length, 0);
const result = {
  bench: 'P7 estate onboarding, and P2 at estate scale',
  file: 'bench/results/p7-estate-onboarding.json',
  measuredOn: new Date().toISOString().slice(0, 10),
  machine: { cpus: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0]! },
  scale: { tablesPerRegion: TABLES, regions: REGIONS.length, rowScale: ROW_SCALE, full: TABLES === 200 && ROW_SCALE === 1, sourceRows: 2 * all.reduce((n, s) => n + s.rows, 0) },
  configLines: configText.trimEnd().split('\n').length,
  tributary: { seconds: tributarySeconds, catalogReadAndStoreSeconds: tPlanStored, smallTablesSeconds: tSmall, perSmallTableMs: (tSmall * 1000) / smallPipelines.length, pipelines: pipelinesRun, leftOut },
  dlt: { seconds: dltSeconds, perRegion: dltRuns.map((r) => ({ seconds: r.seconds, peakRssMb: r.peakRssMb })), version: execFileSync(join(venv, 'bin/python'), ['-c', "import importlib.metadata as m; print(m.version('dlt'))"], { encoding: 'utf8' }).trim(), checked: 'row count per table' },
  ratioDltToTributary: dltSeconds / tributarySeconds,
  p2: { pipelines: pipelinesRun, tributarySeconds: pollSeconds, floorSeconds, ratio: pollSeconds / floorSeconds },
  planSeconds,
  statusSeconds,
  goals: { dlt: 'tributary >= 2x dlt', perSmallTableMs: '<= 50 ms', p2: '<= 5x the floor', planAndStatus: '< 2 s each' },
};
writeFileSync(join(ROOT, 'bench/results/p7-estate-onboarding.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await client.connection.close();
for (const w of workers) w.kill('SIGINT');

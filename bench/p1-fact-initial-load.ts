// P1: initial load of a 5 M-row fact table, side by side in one run on this machine:
//   pipe       psql "COPY (SELECT …) TO STDOUT" | psql "COPY … FROM STDIN"   (the physical floor)
//   dlt        dlt's sql_table source, merge on the key into a dataset of its own (peers/dlt_load.py)
//   sling      the Sling CLI, incremental mode (upsert) on the key into a schema of its own
//   tributary  the fact pipeline through Temporal: a worker process, keyset chunks, gzip stage,
//              merge by key with ledger and checkpoint in one transaction per chunk
// dlt and Sling run from the virtualenv peers/install.sh builds (PyPI only, pinned; cached
// outside the repo). Every side is checked afterwards against the source: count and per-row checksum.
// Reports rows/s and peak RSS of each; a full-size run of all sides writes
// bench/results/p1-fact-initial-load.json. Needs the local stack (make stack).
// Usage: node --import tsx bench/p1-fact-initial-load.ts [rows]   (or BENCH_ROWS; default 5 M)
//        BENCH_CPU_PROF=<dir> writes a CPU profile of the worker (node --cpu-prof) there.
//        BENCH_SIDES=pipe,dlt,sling,tributary (the default) runs a subset, for development.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPipeline } from '../client/run-pipeline.js';
import { targetTable } from '../config/resolve.js';
import { tableChecksum } from '../activities/sources/postgres/table-checksum.js';
import { ROOT, activityTimes, benchConfig, cpuSeconds, peakRssMb, runTimed, sql, startBenchWorker, startClock } from './support.js';

const FULL_ROWS = 5_000_000;
const ROWS = Number(process.argv[2] ?? process.env.BENCH_ROWS ?? FULL_ROWS);
const SIDES = new Set((process.env.BENCH_SIDES ?? 'pipe,dlt,sling,tributary').split(','));
const SOURCE = 'postgres://postgres:postgres@127.0.0.1:55432/app';
const WAREHOUSE = 'postgres://postgres:postgres@127.0.0.1:55434/warehouse';
const TABLE = 'bench_p1_orders';
const SCHEMA = 'bench_p1';
const COLUMNS = ['id', 'customer_id', 'amount', 'status', 'note', 'payload', 'created_at', 'updated_at'];
const { escapeIdentifier: ident } = pg;
/**
 * Count and md5 over per-row md5s in key order, with each column cast to the source's type, so
 * a peer that picks its own types (dlt: bigint, varchar, json; Sling: numeric, text) is compared
 * on values: jsonb normalises the JSON text, numeric(12,2) the scale.
 */
const ROW_CHECKSUM = `count(*) AS rows, md5(string_agg(md5(ROW(id::bigint, customer_id::integer, amount::numeric(12,2), status::text,
  note::text, payload::jsonb, created_at::timestamptz, updated_at::timestamptz)::text), '' ORDER BY id)) AS checksum`;

interface Side {
  seconds: number;
  /** CPU seconds of the whole machine while the side ran (support.ts startClock). */
  machineCpuSeconds: number;
  peakRssMb: number;
}

/** Deterministic data: the same rows on every run. */
async function seed(): Promise<void> {
  await sql(SOURCE, `DROP TABLE IF EXISTS public.${TABLE}`);
  await sql(
    SOURCE,
    `CREATE TABLE public.${TABLE} (id bigint PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2) NOT NULL,
       status text NOT NULL, note text, payload jsonb, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`,
  );
  await sql(
    SOURCE,
    `INSERT INTO public.${TABLE}
     SELECT g, g % 50000, (g % 100000) / 100.0, (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4],
            CASE WHEN g % 7 = 0 THEN NULL ELSE 'order note ' || g END,
            jsonb_build_object('sku', 'SKU-' || (g % 9973), 'qty', 1 + g % 5),
            timestamptz '2026-01-01' + g * interval '1 second', timestamptz '2026-01-01' + g * interval '1 second'
       FROM generate_series(1, ${ROWS}) g`,
  );
  await sql(SOURCE, `CREATE INDEX ON public.${TABLE} (updated_at, id)`);
  await sql(SOURCE, `VACUUM ANALYZE public.${TABLE}`);
}

function psqlArgs(url: string): string[] {
  const u = new URL(url);
  return ['-h', u.hostname, '-p', u.port, '-U', u.username, '-d', u.pathname.slice(1), '-v', 'ON_ERROR_STOP=1', '-q'];
}

/** The raw pipe, each side under /usr/bin/time for its peak RSS. */
async function runPipe(): Promise<Side> {
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA}_pipe CASCADE`);
  await sql(WAREHOUSE, `CREATE SCHEMA ${SCHEMA}_pipe`);
  await sql(
    WAREHOUSE,
    `CREATE TABLE ${SCHEMA}_pipe.orders (id bigint PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2) NOT NULL,
       status text NOT NULL, note text, payload jsonb, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-p1-'));
  const script = [
    `/usr/bin/time -f %M -o ${dir}/out.rss psql ${psqlArgs(SOURCE).join(' ')} -c "COPY (SELECT ${COLUMNS.join(', ')} FROM public.${TABLE}) TO STDOUT"`,
    `/usr/bin/time -f %M -o ${dir}/in.rss psql ${psqlArgs(WAREHOUSE).join(' ')} -c "COPY ${SCHEMA}_pipe.orders FROM STDIN"`,
  ].join(' | ');
  const stop = startClock();
  execFileSync('bash', ['-o', 'pipefail', '-c', script], { env: { ...process.env, PGPASSWORD: 'postgres' }, stdio: 'inherit' });
  const clock = stop();
  const rss = ['out', 'in'].map((s) => Number(readFileSync(`${dir}/${s}.rss`, 'utf8').trim()) / 1024);
  return { ...clock, peakRssMb: rss[0]! + rss[1]! };
}

/** The source's count and checksum in the shape of ROW_CHECKSUM, once per run. */
async function sourceChecksum(): Promise<{ rows: number; checksum: string }> {
  const r = (await sql(SOURCE, `SELECT ${ROW_CHECKSUM} FROM public.${TABLE}`)).rows[0] as { rows: string; checksum: string };
  return { rows: Number(r.rows), checksum: r.checksum };
}

/** A peer's table must hold the source's rows exactly: count, no duplicate key, per-row checksum. */
async function checkPeer(name: string, table: string, source: { rows: number; checksum: string }): Promise<void> {
  const r = (await sql(WAREHOUSE, `SELECT ${ROW_CHECKSUM}, count(DISTINCT id) AS keys FROM ${table}`)).rows[0] as { rows: string; keys: string; checksum: string };
  if (Number(r.rows) !== source.rows || Number(r.keys) !== source.rows || r.checksum !== source.checksum) {
    throw new Error(`${name} loaded ${r.rows} rows (${r.keys} distinct ids) of ${source.rows}, checksum ${r.checksum === source.checksum ? 'equal' : 'different'}`);
  }
}

/** The venv with dlt and Sling: built once by peers/install.sh, a quick check afterwards. */
function peersVenv(): string {
  return execFileSync('bash', [join(ROOT, 'bench/peers/install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

function pythonPackageVersion(venv: string, distribution: string): string {
  return execFileSync(join(venv, 'bin/python'), ['-c', `import importlib.metadata as m; print(m.version('${distribution}'))`], { encoding: 'utf8' }).trim();
}

/**
 * dlt: peers/dlt_load.py in a child process, into dataset bench_p1_dlt (dlt also makes
 * bench_p1_dlt_staging for the merge). Its settings are in that script (BENCH_DLT_* override them).
 */
async function runDlt(venv: string, source: { rows: number; checksum: string }): Promise<Side & { version: string; settings: Record<string, string> }> {
  const dataset = `${SCHEMA}_dlt`;
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${dataset} CASCADE; DROP SCHEMA IF EXISTS ${dataset}_staging CASCADE`);
  const settings = {
    backend: process.env.BENCH_DLT_BACKEND ?? 'connectorx',
    chunkSize: process.env.BENCH_DLT_CHUNK_SIZE ?? '100000',
    backendKwargs: 'return_type=arrow_stream',
    reflectionLevel: 'full_with_precision',
    loaderFileFormat: `${process.env.BENCH_DLT_FILE_FORMAT ?? 'parquet'} (parquet: ADBC COPY)`,
    fileMaxItems: process.env.BENCH_DLT_FILE_MAX_ITEMS ?? 'default (no rotation)',
    normalizeAndLoadWorkers: process.env.BENCH_DLT_WORKERS ?? '2',
    writeDisposition: 'merge',
  };
  // SQLAlchemy 2.1 maps postgresql:// to psycopg 3; dlt's postgres extra brings psycopg2.
  const sourceUrl = SOURCE.replace('postgres://', 'postgresql+psycopg2://');
  const run = await runTimed(join(venv, 'bin/python'), [join(ROOT, 'bench/peers/dlt_load.py'), sourceUrl, 'public', TABLE, 'id', WAREHOUSE, dataset]);
  const reported = JSON.parse(run.stdout.trim().split('\n').pop()!) as { rows: number };
  if (reported.rows !== ROWS) throw new Error(`dlt reports ${reported.rows} rows extracted, expected ${ROWS}`);
  await checkPeer('dlt', `${dataset}.${TABLE}`, source);
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${dataset} CASCADE; DROP SCHEMA IF EXISTS ${dataset}_staging CASCADE`);
  return { seconds: run.seconds, machineCpuSeconds: run.machineCpuSeconds, peakRssMb: run.peakRssMb, version: pythonPackageVersion(venv, 'dlt'), settings };
}

/**
 * Sling: the CLI binary from its PyPI wheel, incremental mode with a primary key and no update
 * key, which upserts every source row (through a temp table) into bench_p1_sling.orders.
 * Connections come from the environment; telemetry is off.
 */
async function runSling(venv: string, source: { rows: number; checksum: string }): Promise<Side & { version: string; settings: Record<string, string> }> {
  const schema = `${SCHEMA}_sling`;
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const sling = join(venv, 'bin/sling');
  const env = {
    ...process.env,
    P1_SOURCE: `${SOURCE}?sslmode=disable`,
    P1_WAREHOUSE: `${WAREHOUSE}?sslmode=disable`,
    SLING_DISABLE_TELEMETRY: 'true',
    SLING_HOME_DIR: mkdtempSync(join(tmpdir(), 'bench-p1-sling-')),
  };
  const settings = { mode: 'incremental', primaryKey: 'id', targetOptions: 'defaults (use_bulk: COPY)' };
  const run = await runTimed(
    sling,
    ['run', '--src-conn', 'P1_SOURCE', '--src-stream', `public.${TABLE}`, '--tgt-conn', 'P1_WAREHOUSE', '--tgt-object', `${schema}.orders`, '--mode', 'incremental', '--primary-key', 'id'],
    env,
  );
  await checkPeer('sling', `${schema}.orders`, source);
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const version = /Version:\s*(\S+)/.exec(execFileSync(sling, ['--version'], { encoding: 'utf8', env }))?.[1] ?? 'unknown';
  return { seconds: run.seconds, machineCpuSeconds: run.machineCpuSeconds, peakRssMb: run.peakRssMb, version, settings };
}

/** Tributary: a worker process for region us, one run through Temporal, timed from start to result. */
async function runTributary(): Promise<Side & { units: number; workerCpuSeconds: number; activities: Awaited<ReturnType<typeof activityTimes>> }> {
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const config = benchConfig('bench-p1', SCHEMA, [
    { name: 'bench_p1', kind: 'fact', source: 'app', table: `public.${TABLE}`, key: ['id'], watermark: 'updated_at', options: { lagSeconds: 0 } },
  ]);
  const { worker, exited, client } = await startBenchWorker(config);
  try {
    const cpuBefore = cpuSeconds(worker.pid!);
    const stop = startClock();
    const handle = await startPipeline(client, config, 'bench_p1', 'us');
    const result = await handle.result();
    const clock = stop();
    const rss = peakRssMb(worker.pid!);
    const workerCpuSeconds = Number((cpuSeconds(worker.pid!) - cpuBefore).toFixed(1));
    const activities = await activityTimes(handle);
    const [schema, table] = targetTable(config, config.pipelines[0]!);
    const c = new pg.Client({ connectionString: WAREHOUSE });
    await c.connect();
    const dst = await tableChecksum(c, [schema, table], ['id'], COLUMNS);
    await c.end();
    const s = new pg.Client({ connectionString: SOURCE });
    await s.connect();
    const src = await tableChecksum(s, ['public', TABLE], ['id'], COLUMNS);
    await s.end();
    if (dst.rows !== ROWS || dst.checksum !== src.checksum) throw new Error(`tributary loaded ${dst.rows} rows, checksum ${dst.checksum === src.checksum ? 'equal' : 'different'}`);
    return { ...clock, peakRssMb: rss, units: result.units, workerCpuSeconds, activities };
  } finally {
    worker.kill('SIGTERM');
    await client.connection.close();
    await exited; // a CPU profile is written on exit
  }
}

function rate<T extends Side>(side: T | undefined): (T & { rowsPerSecond: number }) | undefined {
  return side && { ...side, rowsPerSecond: Math.round(ROWS / side.seconds) };
}

/** Tributary's speed as a multiple of a peer's (peer seconds / Tributary seconds). */
function ratio(peer: Side | undefined, tributary: Side | undefined): number | undefined {
  return peer && tributary ? Number((peer.seconds / tributary.seconds).toFixed(3)) : undefined;
}

await seed();
const loadAverageBefore = loadavg().map((l) => Number(l.toFixed(2)));
const source = await sourceChecksum();
const venv = SIDES.has('dlt') || SIDES.has('sling') ? peersVenv() : '';
const pipe = SIDES.has('pipe') ? await runPipe() : undefined;
const dlt = SIDES.has('dlt') ? await runDlt(venv, source) : undefined;
const sling = SIDES.has('sling') ? await runSling(venv, source) : undefined;
const tributary = SIDES.has('tributary') ? await runTributary() : undefined;
const ratios = { pipe: ratio(pipe, tributary), dlt: ratio(dlt, tributary), sling: ratio(sling, tributary) };
const out = {
  benchmark: 'P1 fact initial load',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), loadAverageBefore, loadAverageAfter: loadavg().map((l) => Number(l.toFixed(2))) },
  rows: ROWS,
  pipe: rate(pipe),
  dlt: rate(dlt),
  sling: rate(sling),
  tributary: rate(tributary),
  /** Tributary's speed as a multiple of each peer's. */
  ratios,
  goal: 'tributary >= 0.8x the pipe and >= 2x dlt',
  goalMet: { pipe: ratios.pipe === undefined ? undefined : ratios.pipe >= 0.8, dlt: ratios.dlt === undefined ? undefined : ratios.dlt >= 2 },
};
if (ROWS === FULL_ROWS && SIDES.size === 4) writeFileSync(join(ROOT, 'bench/results/p1-fact-initial-load.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
// Ratios first, absolute figures second.
const x = (r: number | undefined) => (r === undefined ? '-' : `${r}x`);
console.log(`\nTributary: ${x(ratios.pipe)} the pipe (goal 0.8x), ${x(ratios.dlt)} dlt (goal 2x), ${x(ratios.sling)} Sling; ${ROWS} rows`);
for (const [name, side] of Object.entries({ pipe: out.pipe, dlt: out.dlt, sling: out.sling, tributary: out.tributary })) {
  if (side) console.log(`  ${name.padEnd(10)} ${side.seconds.toFixed(1).padStart(7)} s ${String(side.rowsPerSecond).padStart(9)} rows/s ${side.peakRssMb.toFixed(0).padStart(6)} MB peak RSS ${side.machineCpuSeconds.toFixed(1).padStart(6)} machine CPU s`);
}
await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA}_pipe CASCADE`);
await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await sql(SOURCE, `DROP TABLE IF EXISTS public.${ident(TABLE)}`);

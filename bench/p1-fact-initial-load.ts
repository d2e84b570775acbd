// P1: initial load of a 5 M-row fact table, side by side in one run on this machine:
//   pipe       psql "COPY (SELECT …) TO STDOUT" | psql "COPY … FROM STDIN"   (the physical floor)
//   tributary  the fact pipeline through Temporal: a worker process, keyset chunks, gzip stage,
//              merge by key with ledger and checkpoint in one transaction per chunk
// Reports rows/s and peak RSS of each and writes bench/results/p1-fact-initial-load.json.
// Needs the local stack (make stack). Usage: node --import tsx bench/p1-fact-initial-load.ts [rows]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectClient, startPipeline } from '../client/run-pipeline.js';
import { targetTable } from '../config/resolve.js';
import { tableChecksum } from '../activities/postgres/table-checksum.js';
import { ROOT, benchConfig, peakRssMb, sql, startWorker } from './support.js';

const ROWS = Number(process.argv[2] ?? 5_000_000);
const SOURCE = 'postgres://postgres:postgres@127.0.0.1:55432/app';
const WAREHOUSE = 'postgres://postgres:postgres@127.0.0.1:55434/warehouse';
const TABLE = 'bench_p1_orders';
const SCHEMA = 'bench_p1';
const COLUMNS = ['id', 'customer_id', 'amount', 'status', 'note', 'payload', 'created_at', 'updated_at'];
const { escapeIdentifier: ident } = pg;

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
async function runPipe(): Promise<{ seconds: number; peakRssMb: number }> {
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
  const started = process.hrtime.bigint();
  execFileSync('bash', ['-o', 'pipefail', '-c', script], { env: { ...process.env, PGPASSWORD: 'postgres' }, stdio: 'inherit' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = ['out', 'in'].map((s) => Number(readFileSync(`${dir}/${s}.rss`, 'utf8').trim()) / 1024);
  return { seconds, peakRssMb: rss[0]! + rss[1]! };
}

/** Tributary: a worker process for region us, one run through Temporal, timed from start to result. */
async function runTributary(): Promise<{ seconds: number; peakRssMb: number; units: number }> {
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const config = benchConfig('bench-p1', SCHEMA, [
    { name: 'bench_p1', kind: 'fact', source: 'app', table: `public.${TABLE}`, key: ['id'], watermark: 'updated_at', options: { lagSeconds: 0 } },
  ]);
  const worker = await startWorker(config);
  const client = await connectClient(config);
  try {
    const started = process.hrtime.bigint();
    const result = await (await startPipeline(client, config, 'bench_p1', 'us')).result();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rss = peakRssMb(worker.pid!);
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
    return { seconds, peakRssMb: rss, units: result.units };
  } finally {
    worker.kill('SIGTERM');
    await client.connection.close();
  }
}

await seed();
const pipe = await runPipe();
const tributary = await runTributary();
const out = {
  benchmark: 'P1 fact initial load',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30) },
  rows: ROWS,
  pipe: { ...pipe, rowsPerSecond: Math.round(ROWS / pipe.seconds) },
  tributary: { ...tributary, rowsPerSecond: Math.round(ROWS / tributary.seconds) },
  ratio: Number((pipe.seconds / tributary.seconds).toFixed(3)),
  goal: 'tributary >= 0.8x the pipe',
};
writeFileSync(join(ROOT, 'bench/results/p1-fact-initial-load.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA}_pipe CASCADE`);
await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await sql(SOURCE, `DROP TABLE IF EXISTS public.${ident(TABLE)}`);

// P2: a no-change incremental poll across 100 fact pipelines, side by side in one run:
//   floor      per pipeline, what any cursor-based tool must do at least: connect to the source
//              and ask `SELECT max(updated_at)` (Airbyte's cursor, dlt's incremental), 100 times
//   tributary  100 runs of syncPipeline through Temporal, all started at once on one worker
//              process: each plans (checkpoint, safe upper bound, chunk count) and finds nothing
// Reports seconds for all 100 and per run, and writes bench/results/p2-incremental-poll.json.
// Needs the local stack (make stack). Usage: node --import tsx bench/p2-incremental-poll.ts [pipelines]
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectClient, startPipeline } from '../client/run-pipeline.js';
import { ROOT, benchConfig, peakRssMb, sql, startWorker } from './support.js';

const PIPELINES = Number(process.argv[2] ?? 100);
const ROWS_EACH = 10_000;
const SOURCE = 'postgres://postgres:postgres@127.0.0.1:55432/app';
const READER = 'postgres://tributary_reader:reader-local@127.0.0.1:55432/app';
const WAREHOUSE = 'postgres://postgres:postgres@127.0.0.1:55434/warehouse';
const SCHEMA = 'bench_p2';
const table = (i: number) => `bench_p2_t${i}`;

async function seed(): Promise<void> {
  const c = new pg.Client({ connectionString: SOURCE });
  await c.connect();
  try {
    for (let i = 0; i < PIPELINES; i++) {
      await c.query(`DROP TABLE IF EXISTS public.${table(i)}`);
      await c.query(`CREATE TABLE public.${table(i)} (id bigint PRIMARY KEY, amount int NOT NULL, updated_at timestamptz NOT NULL)`);
      await c.query(`INSERT INTO public.${table(i)} SELECT g, g, timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, ${ROWS_EACH}) g`);
      await c.query(`CREATE INDEX ON public.${table(i)} (updated_at, id)`);
    }
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}

/** The floor: a fresh connection and one max() per pipeline, all at once, as a cursor-based poller does. */
async function runFloor(): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: PIPELINES }, (_, i) => sql(READER, `SELECT max(updated_at) FROM public.${table(i)}`)));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

// The machine is shared: its load (1-minute average) before and after says how much else ran.
const loadBefore = loadavg()[0]!;
await seed();
await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
const config = benchConfig(
  'bench-p2',
  SCHEMA,
  Array.from({ length: PIPELINES }, (_, i) => ({
    name: `p2-${i}`,
    kind: 'fact',
    source: 'app',
    table: `public.${table(i)}`,
    key: ['id'],
    watermark: 'updated_at',
    options: { lagSeconds: 0 },
  })),
);
const worker = await startWorker(config);
const client = await connectClient(config);

async function pollAll(): Promise<{ seconds: number; rowsStaged: number }> {
  const started = process.hrtime.bigint();
  const handles = await Promise.all(config.pipelines.map((p) => startPipeline(client, config, p.name, 'us')));
  const results = await Promise.all(handles.map((h) => h.result()));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rowsStaged: results.reduce((a, r) => a + r.rowsStaged, 0) };
}

try {
  const first = await pollAll(); // the first loads: not the measure
  if (first.rowsStaged !== PIPELINES * ROWS_EACH) throw new Error(`first loads staged ${first.rowsStaged} rows, expected ${PIPELINES * ROWS_EACH}`);
  const floors: number[] = [];
  const polls: number[] = [];
  for (let round = 0; round < 3; round++) {
    floors.push(await runFloor());
    const poll = await pollAll();
    if (poll.rowsStaged !== 0) throw new Error(`a no-change poll staged ${poll.rowsStaged} rows`);
    polls.push(poll.seconds);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out = {
    benchmark: 'P2 no-change incremental poll',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0]! },
    pipelines: PIPELINES,
    rounds: polls.length,
    floor: { secondsForAll: median(floors), secondsPerPipeline: median(floors) / PIPELINES, what: 'connect + SELECT max(updated_at), all at once' },
    tributary: {
      secondsForAll: median(polls),
      secondsPerRun: median(polls) / PIPELINES,
      firstLoadSeconds: first.seconds,
      workerPeakRssMb: peakRssMb(worker.pid!),
      what: 'syncPipeline through Temporal, all started at once, one worker process',
    },
    ratio: Number((median(polls) / median(floors)).toFixed(2)),
  };
  writeFileSync(join(ROOT, 'bench/results/p2-incremental-poll.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  worker.kill('SIGTERM');
  await client.connection.close();
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  for (let i = 0; i < PIPELINES; i++) await sql(SOURCE, `DROP TABLE IF EXISTS public.${table(i)}`);
}

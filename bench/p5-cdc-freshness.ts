// P5: CDC freshness under a steady write load, side by side with the floor in one run:
//   floor      Debezium itself: source commit -> the change event's Kafka record timestamp (what
//              any consumer of the topic, however fast, cannot beat)
//   tributary  the continuous CDC workflow (one worker process) applying the same topic:
//              - freshness samples once a second: now - source commit time of the newest applied change
//              - per row: _loaded_at (the merge transaction's start) - _source_ts (source commit) of its last change
//              - visible: a probe of the warehouse every 200 ms sees the row, minus its commit
// A steady load of BENCH_TPS transactions/s (an insert and an update each) runs for BENCH_MINUTES on
// the us source; the first WARMUP_SECONDS are not measured. Ends with warehouse == source
// (count + per-row checksum). Writes bench/results/p5-cdc-freshness.json.
// Needs the local stack (make stack). Usage: node --import tsx bench/p5-cdc-freshness.ts
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import pg from 'pg';
import { connectClient } from '../client/run-pipeline.js';
import { cdcContinuousStatus, startCdcContinuous, stopCdcContinuous } from '../client/cdc-continuous.js';
import { tableChecksum } from '../activities/sources/postgres/table-checksum.js';
import { connectorConfig, createPublication, registerConnector, removeConnector } from '../test/fixtures/debezium/connect.js';
import { ROOT, benchConfig, peakRssMb, sql, startWorker, topicEndOffset, withKafkaAdmin } from './support.js';

const TPS = Number(process.env.BENCH_TPS ?? 300);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
const INTERVAL_SECONDS = Number(process.env.BENCH_INTERVAL_SECONDS ?? 1);
const SOURCE = 'postgres://postgres:postgres@127.0.0.1:55432/app';
const WAREHOUSE = 'postgres://postgres:postgres@127.0.0.1:55434/warehouse';
const CONNECT = 'https://127.0.0.1:18083';
const BROKER = '127.0.0.1:19092';
const SCHEMA = 'bench_p5';
const TABLE = 'bench_p5_orders';
// Connect keeps a deleted connector's source offsets under its name: each run gets its own.
const NAME = `bench_p5_${Date.now().toString(36)}`;
const TOPIC = `${NAME}.public.${TABLE}`;
const COLUMNS = ['id', 'customer', 'amount', 'status', 'updated_at'];
const SEED_ROWS = 1_000;

const names = { connector: NAME, slot: NAME, publication: NAME, topics: [TOPIC] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentiles, in seconds, of values in ms. */
function percentiles(ms: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Number((s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]! / 1000).toFixed(3));
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

async function setUp(): Promise<void> {
  await sql(SOURCE, `DROP TABLE IF EXISTS public.${TABLE}`);
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql(SOURCE, `CREATE TABLE public.${TABLE} (id bigint PRIMARY KEY, customer int NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, updated_at timestamptz NOT NULL)`);
  await sql(SOURCE, `INSERT INTO public.${TABLE} SELECT g, g % 997, g * 1.25, 'new', now() FROM generate_series(1, ${SEED_ROWS}) g`);
  await createPublication(SOURCE, NAME, [`public.${TABLE}`]);
  await registerConnector(CONNECT, NAME, connectorConfig('us', NAME, [`public.${TABLE}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }));
}

/** Writer connections; writer w inserts the ids = w (mod WRITERS), each in increasing order. */
const WRITERS = 2;

/**
 * The steady load from WRITERS connections, TPS in all: a writer's transaction k starts at
 * start + k * WRITERS / TPS (at once when behind); each inserts a row and updates an older one.
 */
async function load(until: number, committed: Map<number, number>): Promise<{ transactions: number; seconds: number }> {
  const start = Date.now();
  const counts = await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const c = new pg.Client({ connectionString: SOURCE });
      await c.connect();
      let k = 0;
      try {
        while (Date.now() < until) {
          const due = start + (k * 1000 * WRITERS) / TPS;
          if (due > Date.now()) await sleep(due - Date.now());
          const id = SEED_ROWS + 1 + k * WRITERS + w;
          // One statement, so one round trip and one transaction: the insert and the update commit together.
          await c.query(
            `WITH ins AS (INSERT INTO public.${TABLE} VALUES ($1, $2, $3, 'new', now()))
             UPDATE public.${TABLE} SET status = 'paid', amount = amount + 1, updated_at = now() WHERE id = $4`,
            [id, id % 997, (id % 10_000) / 4, 1 + ((id * 7919) % SEED_ROWS)],
          );
          committed.set(id, Date.now());
          k++;
        }
      } finally {
        await c.end();
      }
      return k;
    }),
  );
  return { transactions: counts.reduce((a, b) => a + b, 0), seconds: (Date.now() - start) / 1000 };
}

/**
 * Every 200 ms: the newest id of each writer the warehouse shows. A writer's ids commit in
 * increasing order and batches apply in LSN order, so its newest visible id means all its
 * earlier ones are visible too.
 */
async function probe(until: () => boolean, seen: { at: number; maxIds: number[] }[]): Promise<void> {
  const w = new pg.Client({ connectionString: WAREHOUSE });
  await w.connect();
  const per = Array.from({ length: WRITERS }, (_, i) => `coalesce(max(id) FILTER (WHERE (id - ${SEED_ROWS + 1}) % ${WRITERS} = ${i}), 0)::text`).join(', ');
  try {
    while (!until()) {
      const r = await w.query<string[]>({ text: `SELECT ${per} FROM ${SCHEMA}.${TABLE} WHERE id > ${SEED_ROWS}`, rowMode: 'array' }).catch(() => null);
      if (r) seen.push({ at: Date.now(), maxIds: r.rows[0]!.map(Number) });
      await sleep(200);
    }
  } finally {
    await w.end();
  }
}

/** Kafka record timestamp - source commit time of every event on the topic (the floor), by row id for inserts. */
async function floorFromTopic(): Promise<{ all: number[]; insertById: Map<number, number> }> {
  const events = await withKafkaAdmin(BROKER, 'bench-p5', (admin) => topicEndOffset(admin, TOPIC));
  const all: number[] = [];
  const insertById = new Map<number, number>();
  const consumer = new Consumer({ clientId: 'bench-p5', bootstrapBrokers: [BROKER], groupId: `bench-p5-${Date.now()}` });
  try {
    const stream = await consumer.consume({ topics: [TOPIC], mode: MessagesStreamModes.EARLIEST });
    let read = 0;
    const timer = setTimeout(() => stream.destroy(new Error(`read ${read} of ${events} events of ${TOPIC} in 5 minutes`)), 300_000);
    try {
      for await (const message of stream) {
        read++;
        if (message.value) {
          const v = JSON.parse(message.value.toString()) as { payload: { op: string; source: { ts_ms: number }; after?: { id: number } } };
          if (v.payload.op !== 'r') {
            const lag = Number(message.timestamp) - v.payload.source.ts_ms;
            all.push(lag);
            if (v.payload.op === 'c' && v.payload.after) insertById.set(v.payload.after.id, lag);
          }
        }
        if (read >= events) break;
      }
    } finally {
      clearTimeout(timer);
      await stream.close().catch(() => undefined);
    }
  } finally {
    await consumer.close(true);
  }
  return { all, insertById };
}

const config = benchConfig(
  'bench-p5',
  SCHEMA,
  [{ name: 'p5-orders', kind: 'cdc', source: 'events', regions: ['us'], topic: TOPIC, target: TABLE, key: ['id'], options: { intervalSeconds: INTERVAL_SECONDS } }],
  { events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: [BROKER] }] } },
);
const worker = await startWorker(config);
const client = await connectClient(config);
try {
  await setUp();
  // A workflow left by an interrupted run would read the old topic: end it, then start afresh.
  await stopCdcContinuous(client, config, 'p5-orders', 'us');
  if (!(await startCdcContinuous(client, config, 'p5-orders', 'us')).started) throw new Error('the continuous workflow was already running');
  // The snapshot is applied before the load starts.
  for (let i = 0; ; i++) {
    const n = await sql(WAREHOUSE, `SELECT count(*)::int AS n FROM ${SCHEMA}.${TABLE}`).catch(() => ({ rows: [{ n: 0 }] }));
    if ((n.rows[0] as { n: number }).n === SEED_ROWS) break;
    if (i > 600) throw new Error('the snapshot was not applied within 5 minutes');
    await sleep(500);
  }

  const loadStart = Date.now();
  const measureFrom = loadStart + WARMUP_SECONDS * 1000;
  const until = loadStart + MINUTES * 60_000;
  const committed = new Map<number, number>();
  const seen: { at: number; maxIds: number[] }[] = [];
  const freshnessSamples: number[] = [];
  const workflowFreshness: number[] = [];
  let loading = true;
  const probing = probe(() => !loading, seen);
  const sampling = (async () => {
    while (loading) {
      await sleep(1000);
      if (Date.now() < measureFrom) continue;
      const s = await cdcContinuousStatus(client, config, 'p5-orders', 'us');
      if (s.freshness?.newestAppliedMs != null) freshnessSamples.push(Date.now() - s.freshness.newestAppliedMs);
      if (s.freshness?.freshnessSeconds != null) workflowFreshness.push(s.freshness.freshnessSeconds * 1000);
    }
  })();
  const written = await load(until, committed);

  // Let the workflow apply the tail, then compare source and warehouse.
  const src = new pg.Client({ connectionString: SOURCE });
  const wh = new pg.Client({ connectionString: WAREHOUSE });
  await src.connect();
  await wh.connect();
  let equal = false;
  for (let i = 0; i < 240 && !equal; i++) {
    const [a, b] = [await tableChecksum(src, ['public', TABLE], ['id'], COLUMNS), await tableChecksum(wh, [SCHEMA, TABLE], ['id'], COLUMNS).catch(() => null)];
    equal = b !== null && a.rows === b.rows && a.checksum === b.checksum;
    if (!equal) await sleep(500);
  }
  loading = false;
  await Promise.all([probing, sampling]);
  if (!equal) throw new Error('the warehouse did not equal the source within 2 minutes after the load');
  const rows = (await tableChecksum(src, ['public', TABLE], ['id'], COLUMNS)).rows;

  // Per row: the latency of each row's last change (an insert, or a later update), committed in the measured window.
  const perRow = await wh.query<{ id: string; ms: string; source_ms: string }>(
    `SELECT id::text, (extract(epoch FROM _loaded_at - _source_ts) * 1000)::text AS ms, (extract(epoch FROM _source_ts) * 1000)::bigint::text AS source_ms FROM ${SCHEMA}.${TABLE} WHERE id > $1`,
    [SEED_ROWS],
  );
  await src.end();
  await wh.end();
  const measured = perRow.rows.filter((r) => Number(r.source_ms) >= measureFrom);
  // Visible: the first probe whose max(id) covers the row, minus when its COMMIT returned.
  const visible: number[] = [];
  for (let w = 0; w < WRITERS; w++) {
    let p = 0;
    const mine = [...committed].filter(([id, at]) => at >= measureFrom && (id - SEED_ROWS - 1) % WRITERS === w).sort((a, b) => a[0] - b[0]);
    for (const [id, at] of mine) {
      while (p < seen.length && (seen[p]!.maxIds[w]! < id || seen[p]!.at < at)) p++;
      if (p < seen.length) visible.push(seen[p]!.at - at);
    }
  }
  const floor = await floorFromTopic();
  const floorMeasured = [...floor.insertById].filter(([id]) => (committed.get(id) ?? 0) >= measureFrom).map(([, lag]) => lag);

  const status = await cdcContinuousStatus(client, config, 'p5-orders', 'us');
  const stats = {
    freshness: percentiles(freshnessSamples),
    perRow: percentiles(measured.map((r) => Number(r.ms))),
    visible: percentiles(visible),
    floor: percentiles(floorMeasured),
  };
  const out = {
    benchmark: 'P5 CDC freshness under steady load',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30) },
    load: {
      targetTransactionsPerSecond: TPS,
      transactions: written.transactions,
      achievedTransactionsPerSecond: Number((written.transactions / written.seconds).toFixed(1)),
      changeEventsPerSecond: Number(((written.transactions * 2) / written.seconds).toFixed(1)),
      seconds: Number(written.seconds.toFixed(1)),
      warmupSeconds: WARMUP_SECONDS,
      what: `${WRITERS} connections; each transaction inserts a row and updates a seed row`,
    },
    goal: { p95SecondsAtMost: 10, met: stats.freshness.p95 <= 10 && stats.visible.p95 <= 10 },
    seconds: stats,
    tributaryShareP50: Number((stats.perRow.p50 - stats.floor.p50).toFixed(3)),
    what: {
      freshness: 'sampled each second: now - source commit time of the newest change the workflow applied (freshness query)',
      perRow: "warehouse _loaded_at (start of the merge transaction) - _source_ts (source commit) of each row's last change, for rows whose last change committed in the measured window",
      visible: 'a 200 ms probe of the warehouse first shows the row - its COMMIT returned at the source (probe resolution 0.2 s)',
      floor: 'Kafka record timestamp of the insert event - its source commit time (Debezium on Kafka Connect, same rows)',
    },
    tributary: {
      intervalSeconds: INTERVAL_SECONDS,
      batches: status.freshness?.batches ?? null,
      events: status.freshness?.events ?? null,
      workflowRuns: status.freshness?.runs ?? null,
      workerPeakRssMb: Number(peakRssMb(worker.pid!).toFixed(0)),
      workflowFreshnessAtPoll: percentiles(workflowFreshness),
    },
    check: { warehouseEqualsSource: equal, rows },
    notes: `${cpus().length} cores, which also run the stack's servers (load average ${loadavg()[0]!.toFixed(1)} at the end); all clocks are this machine's.`,
  };
  writeFileSync(join(ROOT, 'bench/results/p5-cdc-freshness.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  // Stopped while the worker still runs, so the workflow ends now rather than with the next run's worker.
  await client.withDeadline(Date.now() + 60_000, () => stopCdcContinuous(client, config, 'p5-orders', 'us')).catch(() => undefined);
  worker.kill('SIGTERM');
  await client.connection.close();
  await removeConnector(CONNECT, SOURCE, BROKER, names);
  await sql(SOURCE, `DROP TABLE IF EXISTS public.${TABLE}`);
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
}

// P3: Kafka into the warehouse, 3 clusters x 4 partitions, 3 M JSON messages, side by side in one run:
//   kcat       per cluster `kcat -C -o beginning -e -f '<cell>\t%p\t%o\t%T\t%s\n' | psql -c "COPY … FROM STDIN"`,
//              the three clusters at once, into a table (cell, partition, offset, timestamp, raw jsonb);
//              then, timed apart, the same columns as Tributary's mapped from the jsonb in SQL
//   tributary  a topic pipeline (8 mapped columns, append-only) through Temporal with ONE worker
//              process, timed from the start of the run to its result
// The messages are produced before any timing starts. A worker serves one region, so the bench
// config puts all three local clusters in region "us" (cells cell-1, cell-2 and cell-3, the last
// being the eu broker): "per worker" then means all 12 partitions on one worker.
// Reports messages/s and peak RSS of each, writes bench/results/p3-kafka-load.json, and deletes its
// topics and warehouse schemas. Needs the local stack (make stack) and kcat (Debian: kafkacat).
// Usage: node --import tsx bench/p3-kafka-load.ts [messages]   (or BENCH_MESSAGES; default 3 M)
//        BENCH_CPU_PROF=<dir> writes a CPU profile of the worker (node --cpu-prof) there.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { startPipeline } from '../client/run-pipeline.js';
import { targetTable } from '../config/resolve.js';
import { ROOT, activityTimes, benchConfig, clickMessage, cpuSeconds, peakRssMb, sql, startBenchWorker } from './support.js';

const MESSAGES = Number(process.argv[2] ?? process.env.BENCH_MESSAGES ?? 3_000_000);
const PARTITIONS = 4;
const CLUSTERS = [
  { cell: 'cell-1', broker: process.env.TRIBUTARY_KAFKA_US_CELL_1 ?? '127.0.0.1:19092', stack: 'us/cell-1' },
  { cell: 'cell-2', broker: process.env.TRIBUTARY_KAFKA_US_CELL_2 ?? '127.0.0.1:19093', stack: 'us/cell-2' },
  { cell: 'cell-3', broker: process.env.TRIBUTARY_KAFKA_EU_CELL_1 ?? '127.0.0.1:19094', stack: 'eu/cell-1' },
];
const WAREHOUSE = 'postgres://postgres:postgres@127.0.0.1:55434/warehouse';
const ID = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const TOPIC = `bench_p3_${ID}`;
const SCHEMA = `bench_p3_${ID}`;
const PEER_SCHEMA = `bench_p3_${ID}_kcat`;
const KCAT = ensureKcat();

/** kcat's path; installs the Debian package kafkacat (which ships it) when missing. */
function ensureKcat(): string {
  const find = () => ['/usr/bin/kcat', '/usr/bin/kafkacat'].find((f) => existsSync(f));
  if (!find()) {
    console.log('kcat missing: installing the Debian package kafkacat');
    const cmd = process.getuid?.() === 0 ? ['apt-get'] : ['sudo', 'apt-get'];
    execFileSync(cmd[0]!, [...cmd.slice(1), 'install', '-y', 'kafkacat'], { stdio: 'inherit' });
  }
  const path = find();
  if (!path) throw new Error('kcat is not installed and the Debian package kafkacat did not provide it');
  return path;
}

/** The pipeline's mapping; the peer's SQL mapping below yields the same columns. */
const COLUMNS = [
  { name: 'id', path: 'id', type: 'bigint', required: true },
  { name: 'user_id', path: 'user.id', type: 'integer' },
  { name: 'user_name', path: 'user.name', type: 'text' },
  { name: 'tier', path: 'user.tier', type: 'text' },
  { name: 'page', path: 'page', type: 'text' },
  { name: 'amount', path: 'amount', type: 'numeric' },
  { name: 'at', path: 'at', type: 'timestamptz', required: true },
  { name: 'first_tag', path: 'tags[0]', type: 'text' },
];

const perPartition = (cluster: number, partition: number) => {
  const inCluster = Math.floor(MESSAGES / 3) + (cluster < MESSAGES % 3 ? 1 : 0);
  return Math.floor(inCluster / PARTITIONS) + (partition < inCluster % PARTITIONS ? 1 : 0);
};

async function endOffsets(admin: Admin): Promise<number[]> {
  const res = await admin.listOffsets({ topics: [{ name: TOPIC, partitions: [...Array(PARTITIONS).keys()].map((p) => ({ partitionIndex: p, timestamp: -1n })) }] });
  return res[0]!.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => Number(p.offset));
}

/** Creates the topic on every cluster and produces its share of the messages (batches, several in flight). */
async function produceAll(): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(
    CLUSTERS.map(async (c, ci) => {
      const admin = new Admin({ clientId: 'tributary-bench', bootstrapBrokers: [c.broker] });
      try {
        await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
        const producer = new Producer({ clientId: 'tributary-bench', bootstrapBrokers: [c.broker], serializers: stringSerializers, acks: 1 });
        try {
          const BATCH = 5_000;
          const inFlight = new Set<Promise<unknown>>();
          for (let start = ci; start < MESSAGES; start += 3 * BATCH) {
            const batch = [];
            for (let n = start; n < Math.min(MESSAGES, start + 3 * BATCH); n += 3) batch.push({ topic: TOPIC, partition: Math.floor(n / 3) % PARTITIONS, value: clickMessage(n) });
            const sent = producer.send({ messages: batch });
            inFlight.add(sent);
            void sent.finally(() => inFlight.delete(sent)).catch(() => undefined);
            if (inFlight.size >= 4) await Promise.race(inFlight);
          }
          await Promise.all(inFlight);
        } finally {
          await producer.close();
        }
        const got = await endOffsets(admin);
        const want = [...Array(PARTITIONS).keys()].map((p) => perPartition(ci, p));
        if (got.join() !== want.join()) throw new Error(`${c.stack}: produced ${got.join()} per partition, expected ${want.join()}`);
      } finally {
        await admin.close();
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function deleteTopics(): Promise<void> {
  for (const c of CLUSTERS) {
    const admin = new Admin({ clientId: 'tributary-bench', bootstrapBrokers: [c.broker] });
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    // the pipeline's consumer group (task-queue prefix "bench-p3", pipeline "bench_p3")
    await admin.deleteGroups({ groups: ['bench-p3-bench_p3'] }).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}

function psqlArgs(url: string): string[] {
  const u = new URL(url);
  return ['-h', u.hostname, '-p', u.port, '-U', u.username, '-d', u.pathname.slice(1), '-v', 'ON_ERROR_STOP=1', '-q'];
}

/** Runs a shell pipeline; resolves when it exits 0. */
function sh(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', ['-o', 'pipefail', '-c', script], { env: { ...process.env, PGPASSWORD: 'postgres' }, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pipe exited ${code}: ${script}`))));
  });
}

interface PeerResult {
  seconds: number;
  messagesPerSecond: number;
  peakRssMb: { kcatMax: number; psqlMax: number; total: number };
  mappingSeconds: number;
  messagesPerSecondWithMapping: number;
}

/** kcat | COPY, one pipe per cluster, all three at once; each side under /usr/bin/time for its peak RSS. */
async function runPeer(): Promise<PeerResult> {
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${PEER_SCHEMA} CASCADE`);
  await sql(WAREHOUSE, `CREATE SCHEMA ${PEER_SCHEMA}`);
  await sql(
    WAREHOUSE,
    `CREATE TABLE ${PEER_SCHEMA}.raw (_cell text NOT NULL, kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL,
       kafka_timestamp bigint, raw jsonb NOT NULL, PRIMARY KEY (_cell, kafka_partition, kafka_offset))`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-p3-'));
  const scripts = CLUSTERS.map((c) =>
    [
      // -f: the cell as a literal, then partition, offset, timestamp (ms) and the value, tab-separated (COPY text format)
      `/usr/bin/time -f %M -o ${dir}/kcat-${c.cell}.rss ${KCAT} -C -q -e -b ${c.broker} -t ${TOPIC} -o beginning -f '${c.cell}\\t%p\\t%o\\t%T\\t%s\\n'`,
      `/usr/bin/time -f %M -o ${dir}/psql-${c.cell}.rss psql ${psqlArgs(WAREHOUSE).join(' ')} -c "COPY ${PEER_SCHEMA}.raw (_cell, kafka_partition, kafka_offset, kafka_timestamp, raw) FROM STDIN"`,
    ].join(' | '),
  );
  const started = process.hrtime.bigint();
  await Promise.all(scripts.map(sh));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = (side: string) => CLUSTERS.map((c) => Number(readFileSync(`${dir}/${side}-${c.cell}.rss`, 'utf8').trim()) / 1024);
  const [kcat, psql] = [rss('kcat'), rss('psql')];

  // The same typed columns as the pipeline's, from the jsonb: what a kcat user does next.
  const mapStarted = process.hrtime.bigint();
  await sql(
    WAREHOUSE,
    `CREATE TABLE ${PEER_SCHEMA}.mapped AS SELECT (raw->>'id')::bigint AS id, (raw#>>'{user,id}')::integer AS user_id,
       raw#>>'{user,name}' AS user_name, raw#>>'{user,tier}' AS tier, raw->>'page' AS page, (raw->>'amount')::numeric AS amount,
       (raw->>'at')::timestamptz AS at, raw#>>'{tags,0}' AS first_tag, kafka_partition, kafka_offset,
       to_timestamp(kafka_timestamp / 1000.0) AS kafka_timestamp, _cell FROM ${PEER_SCHEMA}.raw`,
  );
  await sql(WAREHOUSE, `ALTER TABLE ${PEER_SCHEMA}.mapped ADD PRIMARY KEY (_cell, kafka_partition, kafka_offset)`);
  const mappingSeconds = Number(process.hrtime.bigint() - mapStarted) / 1e9;

  await check('kcat', `${PEER_SCHEMA}.mapped`);
  return {
    seconds,
    messagesPerSecond: Math.round(MESSAGES / seconds),
    peakRssMb: { kcatMax: Math.max(...kcat), psqlMax: Math.max(...psql), total: [...kcat, ...psql].reduce((a, b) => a + b, 0) },
    mappingSeconds,
    messagesPerSecondWithMapping: Math.round(MESSAGES / (seconds + mappingSeconds)),
  };
}

/** Every message once: count, no duplicate (cell, partition, offset), and the ids 0..n-1 exactly (their sum). */
async function check(who: string, table: string): Promise<void> {
  const r = await sql(
    WAREHOUSE,
    `SELECT count(*) AS n, count(DISTINCT (_cell, kafka_partition, kafka_offset)) AS distinct_offsets, count(DISTINCT id) AS ids,
       coalesce(sum(id), 0)::text AS id_sum, count(*) FILTER (WHERE at IS NULL OR user_name IS NULL OR first_tag IS NULL) AS nulls FROM ${table}`,
  );
  const row = r.rows[0] as { n: string; distinct_offsets: string; ids: string; id_sum: string; nulls: string };
  const want = { n: MESSAGES, distinct_offsets: MESSAGES, ids: MESSAGES, id_sum: ((BigInt(MESSAGES) * BigInt(MESSAGES - 1)) / 2n).toString(), nulls: 0 };
  const got = { n: Number(row.n), distinct_offsets: Number(row.distinct_offsets), ids: Number(row.ids), id_sum: row.id_sum, nulls: Number(row.nulls) };
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${who} loaded ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

interface TributaryResult {
  seconds: number;
  messagesPerSecond: number;
  peakRssMb: number;
  batches: number;
  /** CPU seconds the worker process used during the run (2 cores: at most 2 per second of wall time). */
  workerCpuSeconds: number;
  activities: Awaited<ReturnType<typeof activityTimes>>;
  cpuProfileDir?: string;
}

/** The topic pipeline through Temporal, one worker process for region us (all three clusters). */
async function runTributary(): Promise<TributaryResult> {
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const config = benchConfig('bench-p3', SCHEMA, [{ name: 'bench_p3', kind: 'topic', source: 'events', topic: TOPIC, target: 'clicks', columns: COLUMNS }], {
    events: { type: 'kafka', clusters: CLUSTERS.map((c) => ({ region: 'us', cell: c.cell, brokers: [c.broker] })) },
  });
  const { worker, exited, client, profDir } = await startBenchWorker(config);
  try {
    const cpuBefore = cpuSeconds(worker.pid!);
    const started = process.hrtime.bigint();
    const handle = await startPipeline(client, config, 'bench_p3', 'us');
    const result = await handle.result();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rss = peakRssMb(worker.pid!);
    const workerCpuSeconds = Number((cpuSeconds(worker.pid!) - cpuBefore).toFixed(1));
    if (result.rowsStaged !== MESSAGES) throw new Error(`tributary staged ${result.rowsStaged} messages in one run, expected ${MESSAGES}`);
    const [schema, table] = targetTable(config, config.pipelines[0]!);
    await check('tributary', `${schema}.${table}`);
    const activities = await activityTimes(handle);
    return { seconds, messagesPerSecond: Math.round(MESSAGES / seconds), peakRssMb: rss, batches: result.units, workerCpuSeconds, activities, ...(profDir ? { cpuProfileDir: profDir } : {}) };
  } finally {
    worker.kill('SIGTERM');
    await client.connection.close();
    await exited; // a CPU profile is written on exit
  }
}

const kcatVersion = /Version (\S+)/.exec(execFileSync(KCAT, ['-V'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
try {
  const produceSeconds = await produceAll();
  console.log(`produced ${MESSAGES} messages to ${TOPIC} on 3 clusters in ${produceSeconds.toFixed(1)} s`);
  const loadBefore = loadavg(); // once the messages are in, before anything is timed
  const peer = await runPeer();
  console.log(`kcat | COPY: ${peer.seconds.toFixed(1)} s, ${peer.messagesPerSecond} msg/s`);
  const tributary = await runTributary();
  console.log(`tributary: ${tributary.seconds.toFixed(1)} s, ${tributary.messagesPerSecond} msg/s`);
  const averageBytes = Math.round(Array.from({ length: 1000 }, (_, i) => Buffer.byteLength(clickMessage(i * 2999))).reduce((a, b) => a + b, 0) / 1000);
  const out = {
    benchmark: 'P3 Kafka load, messages/s per worker',
    // ratios first: Tributary's messages/s over the peer's (raw, then with the peer's SQL mapping to the same columns)
    ratio: Number((tributary.messagesPerSecond / peer.messagesPerSecond).toFixed(3)),
    ratioWithMapping: Number((tributary.messagesPerSecond / peer.messagesPerSecondWithMapping).toFixed(3)),
    goal: 'tributary >= 60,000 messages/s per worker',
    goalMet: tributary.messagesPerSecond >= 60_000,
    tributary: { what: 'topic pipeline, 8 mapped columns, append-only, default options, one worker process, one syncPipeline run', kafkaClient: `@platformatic/kafka ${(JSON.parse(readFileSync(join(ROOT, 'node_modules/@platformatic/kafka/package.json'), 'utf8')) as { version: string }).version}`, ...tributary },
    kcat: { version: kcatVersion, what: 'kcat -C -e -o beginning -f (tab-separated) | psql COPY into raw jsonb, one pipe per cluster, three at once', ...peer },
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() },
    notes: [
      'The machine (2 cores) also runs the local stack (3 Kafka brokers, 3 PostgreSQL servers, Temporal) and was shared with other jobs during the run (see the load averages); the peer and Tributary ran one after the other.',
      'All three local clusters (us/cell-1, us/cell-2, eu/cell-1) are configured in region "us" for the bench, so one worker process loads all 12 partitions.',
      'kcat loads the raw value into jsonb plus cell, partition, offset and timestamp (ms as bigint); mappingSeconds is the SQL that then yields the same typed columns as the pipeline.',
      'Tributary also keeps an offsets ledger, lineage columns and a consumer group, stages gzip files of typed rows in the PostgreSQL binary COPY format (CSV for Redshift) and merges one batch at a time per target table.',
    ],
    messages: MESSAGES,
    clusters: CLUSTERS.map((c) => c.stack),
    partitionsPerCluster: PARTITIONS,
    averageMessageBytes: averageBytes,
    produceSeconds,
  };
  // Only the full size is the committed result; smaller runs print.
  if (MESSAGES === 3_000_000) writeFileSync(join(ROOT, 'bench/results/p3-kafka-load.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  await deleteTopics();
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql(WAREHOUSE, `DROP SCHEMA IF EXISTS ${PEER_SCHEMA} CASCADE`);
}

// P4: CDC apply of 1 M Debezium change events on 100 k keys, side by side in one run on this machine:
//   jdbc       the Debezium JDBC sink connector (upsert, primary.key.mode=record_key, delete.enabled,
//              one task) in the eu Kafka Connect worker, into the warehouse PostgreSQL
//   tributary  a cdc pipeline on one worker process for region eu, run after run until its offsets
//              ledger reaches the topic's end
// Both read the same topic, written by the real Debezium PostgreSQL connector from the eu source:
// a snapshot of 100 k rows (op r), then about 900 k inserts, updates and deletes in transactions.
// Each side ends with warehouse == source (count + per-row checksum). Reports events/s, peak RSS
// and CPU seconds of each, and writes bench/results/p4-cdc-apply.json.
// Needs the local stack (make stack). Usage: node --import tsx bench/p4-cdc-apply.ts
// (BENCH_EVENTS=100000 for a small run that writes no result; keys are a tenth of the events;
// BENCH_CPU_PROF=<dir> writes a CPU profile of the worker there; BENCH_MAX_MESSAGES=<n> sets the
// pipeline's maxMessagesPerPartition).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from '@platformatic/kafka';
import pg from 'pg';
import type { WorkflowHandle } from '@temporalio/client';
import { connectClient, startPipeline } from '../client/run-pipeline.js';
import { validateConfig } from '../config/load.js';
import { tableChecksum, type TableChecksum } from '../activities/sources/postgres/table-checksum.js';
import { connectRest, connectorConfig, createPublication, registerConnector, removeConnector } from '../test/fixtures/debezium/connect.js';
import { killProcess, startWorkerProcess, workerStarted } from '../test/integration/topic-fixture.js';
import { withClient } from '../test/integration/stack.js';
import { ROOT, peakRssMb, topicEndOffset, withKafkaAdmin } from './support.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
/** For development: BENCH_SIDES=tributary (or jdbc) runs one side only. */
const SIDES = new Set((process.env.BENCH_SIDES ?? 'jdbc,tributary').split(','));
const KEYS = Math.max(1, Math.round(EVENTS / 10));
/** For development: BENCH_MAX_MESSAGES=<n> sets the pipeline's maxMessagesPerPartition (default: the option's). */
const MAX_MESSAGES = process.env.BENCH_MAX_MESSAGES ? Number(process.env.BENCH_MAX_MESSAGES) : undefined;
const SOURCE = process.env.TRIBUTARY_PG_SOURCE_EU ?? 'postgres://postgres:postgres@127.0.0.1:55433/app';
const WAREHOUSE = process.env.TRIBUTARY_PG_WAREHOUSE ?? 'postgres://postgres:postgres@127.0.0.1:55434/warehouse';
const BROKER = process.env.TRIBUTARY_KAFKA_EU_CELL_1 ?? '127.0.0.1:19094';
const CONNECT = process.env.TRIBUTARY_CONNECT_EU ?? 'https://127.0.0.1:18084';
const JDBC_SINK = 'io.debezium.connector.jdbc.JdbcSinkConnector';
const COLUMNS = ['id', 'customer_id', 'amount', 'status', 'note', 'updated_at'];
const TABLE_DDL = `(id bigint PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2) NOT NULL,
  status text NOT NULL, note text, updated_at timestamptz NOT NULL)`;

const id = randomBytes(3).toString('hex');
const NAME = `bench_p4_${id}`;
/** Debezium's topic for public.NAME with topic.prefix NAME. */
const TOPIC = `${NAME}.public.${NAME}`;
const SCHEMA = NAME;
const JDBC_SCHEMA = `${NAME}_jdbc`;
const SINK = `${NAME}_sink`;
/** The warehouse role the sink logs in as (dropped afterwards). */
const SINK_ROLE = `${NAME}_sink`;
const { escapeIdentifier: ident } = pg;

const withAdmin = <T>(fn: (admin: Admin) => Promise<T>) => withKafkaAdmin(BROKER, 'bench-p4', fn);

const endOffset = () => withAdmin((admin) => topicEndOffset(admin, TOPIC));

/** One partition: both sides read one ordered stream. */
async function createTopic(): Promise<void> {
  await withAdmin((admin) => admin.createTopics({ topics: [TOPIC], partitions: 1, replicas: 1 }));
}

async function waitForEvents(n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const end = await endOffset();
    if (end === n) return;
    if (end > n) throw new Error(`topic ${TOPIC} holds ${end} events, more than the ${n} written: did the connector restart and replay?`);
    if (Date.now() > deadline) throw new Error(`topic ${TOPIC} holds ${end} of ${n} events after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * Deterministic source data through real Debezium: KEYS rows snapshotted, then rounds of
 * transactions (put back the keys deleted last round, update ~8 % of the keys, delete ~1 %)
 * until exactly EVENTS change events are on the topic (one partition, no tombstones).
 */
async function produceEvents(): Promise<{ seconds: number; rounds: number }> {
  const started = process.hrtime.bigint();
  const table = `public.${ident(NAME)}`;
  await withClient(SOURCE, async (c) => {
    await c.query(`CREATE TABLE ${table} ${TABLE_DDL}`);
    await c.query(
      `INSERT INTO ${table}
       SELECT g, g % 5000, (g % 100000) / 100.0, (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4], 'note ' || g,
              timestamptz '2026-01-01' + g * interval '1 second'
         FROM generate_series(1, $1::int) g`,
      [KEYS],
    );
  });
  await createPublication(SOURCE, NAME, [`public.${NAME}`]);
  await registerConnector(CONNECT, NAME, {
    ...connectorConfig('eu', NAME, [`public.${NAME}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }),
    // One record per change: the sink handles the delete event itself.
    'tombstones.on.delete': 'false',
  });
  // The snapshot first, so the count of events is exact.
  await waitForEvents(KEYS, 600_000);

  let events = KEYS;
  let round = 0;
  await withClient(SOURCE, async (c) => {
    // A statement per transaction, each touching at most `remaining` rows, in key order.
    const step = async (sql: string, limit: number) => {
      const n = Math.min(limit, EVENTS - events);
      if (n <= 0) return;
      events += (await c.query(sql, [round, n])).rowCount ?? 0;
    };
    const pick = (lo: number, hi: number) => `(id * 7919 + $1::int * 104729) % 1000 BETWEEN ${lo} AND ${hi}`;
    while (events < EVENTS) {
      round++;
      await step(
        `INSERT INTO ${table}
         SELECT g, g % 5000, 1.00 + $1::int % 50, 'new', 'back ' || g || ' r' || $1::int, timestamptz '2026-06-01' + $1::int * interval '1 minute'
           FROM generate_series(1, ${KEYS}) g
          WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.id = g)
          ORDER BY g LIMIT $2`,
        KEYS,
      );
      for (const [lo, hi] of [[0, 39], [40, 79]] as const) {
        await step(
          `UPDATE ${table} SET customer_id = customer_id + 1, amount = amount + 0.01 * (1 + $1::int % 7),
                  status = (ARRAY['new','paid','shipped','cancelled'])[1 + (id + $1::int) % 4], note = 'note ' || id || ' r' || $1::int,
                  updated_at = updated_at + interval '1 minute'
            WHERE id IN (SELECT id FROM ${table} WHERE ${pick(lo, hi)} ORDER BY id LIMIT $2)`,
          KEYS,
        );
      }
      await step(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${pick(80, 89)} ORDER BY id LIMIT $2)`, KEYS);
    }
  });
  await waitForEvents(EVENTS, 1_800_000);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rounds: round };
}

async function sourceChecksum(): Promise<TableChecksum> {
  return withClient(SOURCE, (c) => tableChecksum(c, ['public', NAME], ['id'], COLUMNS));
}

/** Cheap signature of a table (every update raises customer_id): polled to see when a sink is done. */
async function signature(c: pg.Client, schema: string): Promise<string> {
  const r = await c.query<{ s: string }>(
    `SELECT count(*) || '/' || coalesce(sum(customer_id), 0) || '/' || coalesce(sum(amount), 0) AS s FROM ${ident(schema)}.${ident(NAME)}`,
  );
  return r.rows[0]!.s;
}

/** utime + stime of a process, in seconds (Linux, USER_HZ 100). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** The eu Connect worker's pid, as the stack scripts find it. */
function connectPid(): number {
  const out = execFileSync('bash', ['-c', '. infra/local/lib.sh && connect_pid eu'], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (!out) throw new Error('the eu Kafka Connect worker is not running (make stack)');
  return Number(out);
}

async function sinkSettings(): Promise<Record<string, string>> {
  const plugins = (await connectRest.get(CONNECT, '/connector-plugins')) as { class: string }[];
  if (!plugins.some((p) => p.class === JDBC_SINK)) {
    throw new Error(`the eu Connect worker has no ${JDBC_SINK}: run bash infra/local/install.sh, then restart that worker (it loads plugins at start)`);
  }
  const json = 'org.apache.kafka.connect.json.JsonConverter';
  return {
    'connector.class': JDBC_SINK,
    'tasks.max': '1',
    topics: TOPIC,
    'connection.url': `jdbc:postgresql://${new URL(WAREHOUSE).host}${new URL(WAREHOUSE).pathname}`,
    'connection.username': SINK_ROLE,
    // The sink's role shares the CDC role's dev password, so the config holds only a reference.
    'connection.password': '${env:TRIBUTARY_CDC_PASSWORD}',
    'insert.mode': 'upsert',
    'primary.key.mode': 'record_key',
    'delete.enabled': 'true',
    'schema.evolution': 'none',
    'collection.name.format': `${JDBC_SCHEMA}.${NAME}`,
    // Tuned for throughput (BENCH_JDBC_DEFAULTS=1 leaves them out): per-key reduction within a
    // batch (as Tributary collapses), large batches and polls, multi-row inserts through UNNEST.
    ...(process.env.BENCH_JDBC_DEFAULTS === '1'
      ? {}
      : {
          'use.reduction.buffer': 'true',
          'batch.size': '10000',
          'consumer.override.max.poll.records': '10000',
          'dialect.postgres.unnest.insert.enabled': 'true',
        }),
    'key.converter': json,
    'key.converter.schemas.enable': 'true',
    'value.converter': json,
    'value.converter.schemas.enable': 'true',
  };
}

interface SideResult {
  seconds: number;
  eventsPerSecond: number;
  peakRssMb: number;
  cpuSeconds: number;
}

/**
 * The sink's role, schema and table (same types as the source), and the connector registered
 * before any event exists, waited for until its consumer has joined (Hibernate and the pool
 * start in seconds), then paused: the timed part is the apply only, as for Tributary's worker.
 */
async function prepareJdbc(settings: Record<string, string>): Promise<void> {
  const cdcPassword = (JSON.parse(readFileSync(join(ROOT, 'infra/local/secrets.json'), 'utf8')) as Record<string, { password: string }>)['app-eu-cdc']!.password;
  await withClient(WAREHOUSE, async (c) => {
    const create = await c.query<{ q: string }>(`SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) AS q`, [SINK_ROLE, cdcPassword]);
    await c.query(create.rows[0]!.q);
    await c.query(`CREATE SCHEMA ${ident(JDBC_SCHEMA)} AUTHORIZATION ${ident(SINK_ROLE)}`);
    await c.query(`CREATE TABLE ${ident(JDBC_SCHEMA)}.${ident(NAME)} ${TABLE_DDL}`);
    await c.query(`ALTER TABLE ${ident(JDBC_SCHEMA)}.${ident(NAME)} OWNER TO ${ident(SINK_ROLE)}`);
  });
  await registerConnector(CONNECT, SINK, settings);
  await withAdmin(async (admin) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const g = (await admin.describeGroups({ groups: [`connect-${SINK}`] })).get(`connect-${SINK}`);
      if (g && /^stable$/i.test(g.state) && [...g.members.values()].some((m) => (m.assignments?.size ?? 0) > 0)) break;
      if (Date.now() > deadline) throw new Error(`the JDBC sink's consumer did not join its group within 120 s (${g?.state ?? 'no group'})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  await connectRest.put(CONNECT, `/connectors/${SINK}/pause`, {});
}

/** The Debezium JDBC sink, timed from its resume until the table equals the source; then its group's lag must be 0. */
async function runJdbc(expected: TableChecksum): Promise<SideResult & { lag: number; process: string }> {
  const pid = connectPid();
  const want = await withClient(SOURCE, (c) => signature(c, 'public'));
  const cpu0 = cpuSeconds(pid);
  let peak = rssMb(pid);
  const started = process.hrtime.bigint();
  await connectRest.put(CONNECT, `/connectors/${SINK}/resume`, {});
  let seconds = 0;
  await withClient(WAREHOUSE, async (c) => {
    const deadline = Date.now() + 3_600_000;
    for (;;) {
      peak = Math.max(peak, rssMb(pid));
      if ((await signature(c, JDBC_SCHEMA)) === want) {
        seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const got = await tableChecksum(c, [JDBC_SCHEMA, NAME], ['id'], COLUMNS);
        if (got.rows === expected.rows && got.checksum === expected.checksum) break;
      }
      const st = (await connectRest.get(CONNECT, `/connectors/${SINK}/status`)) as { tasks: { state: string; trace?: string }[] };
      const failed = st.tasks.find((t) => t.state === 'FAILED');
      if (failed) throw new Error(`the JDBC sink task failed: ${(failed.trace ?? '').split('\n').slice(0, 3).join(' ')}`);
      if (Date.now() > deadline) throw new Error('the JDBC sink did not reach the source state within an hour');
      await new Promise((r) => setTimeout(r, 500));
    }
  });
  const cpu = cpuSeconds(pid) - cpu0;
  // Its consumer group commits every offset.flush.interval.ms: wait for lag 0.
  let lag = -1;
  await withAdmin(async (admin) => {
    for (let i = 0; i < 60 && lag !== 0; i++) {
      const offsets = await admin.listConsumerGroupOffsets({ groups: [`connect-${SINK}`] });
      const partitions = offsets[0]?.topics.find((t) => t.name === TOPIC)?.partitions ?? [];
      lag = EVENTS - partitions.reduce((n, p) => n + Math.max(0, Number(p.committedOffset)), 0);
      if (lag !== 0) await new Promise((r) => setTimeout(r, 1_000));
    }
  });
  if (lag !== 0) throw new Error(`the JDBC sink's consumer group still lags by ${lag} events`);
  return { seconds, eventsPerSecond: Math.round(EVENTS / seconds), peakRssMb: Math.round(peak), cpuSeconds: Number(cpu.toFixed(1)), lag, process: 'Connect worker JVM (sampled RSS)' };
}

/** Seconds spent in each activity type over these runs, from their histories (where the time goes). */
async function activitySeconds(handles: WorkflowHandle[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const h of handles) {
    const history = await h.fetchHistory();
    const scheduled = new Map<string, string>();
    const started = new Map<string, number>();
    for (const e of history.events ?? []) {
      // Long values: through their decimal text.
      const ms = Number(String(e.eventTime?.seconds ?? 0)) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      const id = String(e.eventId);
      if (e.activityTaskScheduledEventAttributes) scheduled.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
      if (e.activityTaskStartedEventAttributes) started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), ms);
      const done = e.activityTaskCompletedEventAttributes;
      if (done) {
        const sid = String(done.scheduledEventId);
        const type = scheduled.get(sid) ?? '?';
        out[type] = (out[type] ?? 0) + (ms - (started.get(sid) ?? ms)) / 1000;
      }
    }
  }
  for (const k of Object.keys(out)) out[k] = Number(out[k]!.toFixed(1));
  return out;
}

/** Tributary: a worker process for region eu; runs one after another until a run finds nothing to apply. */
async function runTributary(expected: TableChecksum): Promise<SideResult & { runs: number; activitySeconds: Record<string, number>; maxMessagesPerPartition: number }> {
  const config = validateConfig('bench', {
    sources: { events: { type: 'kafka', clusters: [{ region: 'eu', cell: 'cell-1', brokers: [BROKER] }] } },
    warehouse: { type: 'postgres', secret: 'warehouse', schema: SCHEMA },
    stage: { type: 'file', path: mkdtempSync(join(tmpdir(), 'bench-p4-stage-')) },
    secrets: { provider: 'file', path: join(ROOT, 'infra/local/secrets.json') },
    temporal: { taskQueuePrefix: `bench-p4-${id}` },
    pipelines: [{ name: 'bench_p4', kind: 'cdc', source: 'events', regions: ['eu'], topic: TOPIC, target: NAME, key: ['id'], ...(MAX_MESSAGES ? { options: { maxMessagesPerPartition: MAX_MESSAGES } } : {}) }],
  });
  const p = config.pipelines[0]!;
  const file = join(mkdtempSync(join(tmpdir(), 'bench-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  // BENCH_CPU_PROF=<dir> writes a CPU profile of the worker (node --cpu-prof) there.
  const profDir = process.env.BENCH_CPU_PROF;
  const worker = profDir
    ? spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, '--import', 'tsx', 'workers/main.ts', '--config', file, '--region', 'eu'], {
        cwd: ROOT,
        env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'WARN' },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : startWorkerProcess(file, 'eu');
  await workerStarted(worker);
  const client = await connectClient(config);
  try {
    const cpu0 = cpuSeconds(worker.pid!);
    const started = process.hrtime.bigint();
    let seconds = 0;
    const handles: WorkflowHandle[] = [];
    for (;;) {
      const handle = await startPipeline(client, config, 'bench_p4', 'eu');
      const result = await handle.result();
      if (result.units === 0) break;
      // Every run has the same workflow id: keep this run's own handle for its history.
      handles.push(client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId));
      seconds = Number(process.hrtime.bigint() - started) / 1e9;
    }
    const cpu = cpuSeconds(worker.pid!) - cpu0;
    const rss = peakRssMb(worker.pid!);
    const got = await withClient(WAREHOUSE, (c) => tableChecksum(c, [SCHEMA, NAME], ['id'], COLUMNS));
    if (got.rows !== expected.rows || got.checksum !== expected.checksum) {
      throw new Error(`tributary: warehouse has ${got.rows} rows (source ${expected.rows}), checksum ${got.checksum === expected.checksum ? 'equal' : 'different'}`);
    }
    return {
      seconds,
      eventsPerSecond: Math.round(EVENTS / seconds),
      peakRssMb: Math.round(rss),
      cpuSeconds: Number(cpu.toFixed(1)),
      runs: handles.length,
      activitySeconds: await activitySeconds(handles),
      maxMessagesPerPartition: p.kind === 'cdc' ? p.options.maxMessagesPerPartition : 0,
    };
  } finally {
    // SIGTERM: the worker shuts down and exits (and writes a profile under --cpu-prof).
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    await killProcess(worker);
    await client.connection.close();
  }
}

async function cleanUp(): Promise<void> {
  const quiet = (p: Promise<unknown>) => p.catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
  const sink = SIDES.has('jdbc');
  if (sink) await quiet(connectRest.delete(CONNECT, `/connectors/${SINK}`));
  await quiet(removeConnector(CONNECT, SOURCE, BROKER, { connector: NAME, slot: NAME, publication: NAME, topics: [TOPIC] }));
  if (sink) {
    await quiet(
      withAdmin((admin) => admin.deleteGroups({ groups: [`connect-${SINK}`] })),
    );
  }
  await quiet(withClient(SOURCE, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(NAME)}`)));
  await quiet(
    withClient(WAREHOUSE, async (c) => {
      await c.query(`DROP SCHEMA IF EXISTS ${ident(SCHEMA)} CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS ${ident(JDBC_SCHEMA)} CASCADE`);
      await c.query(`DROP ROLE IF EXISTS ${ident(SINK_ROLE)}`);
    }),
  );
}

try {
  const settings = await sinkSettings();
  await createTopic();
  if (SIDES.has('jdbc')) await prepareJdbc(settings);
  const produced = await produceEvents();
  console.error(`produced ${EVENTS} events on ${KEYS} keys in ${produced.seconds.toFixed(1)} s (${produced.rounds} rounds)`);
  const expected = await sourceChecksum();
  const jdbc = SIDES.has('jdbc') ? await runJdbc(expected) : null;
  if (jdbc) console.error(`jdbc sink: ${jdbc.seconds.toFixed(1)} s`);
  const tributary = SIDES.has('tributary') ? await runTributary(expected) : null;
  if (tributary) console.error(`tributary: ${tributary.seconds.toFixed(1)} s`);
  const out = {
    benchmark: 'P4 CDC apply',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30) },
    ratio: jdbc && tributary ? Number((jdbc.seconds / tributary.seconds).toFixed(2)) : null,
    goal: 'tributary >= 5x the Debezium JDBC sink',
    events: EVENTS,
    keys: KEYS,
    sourceRowsAtEnd: expected.rows,
    topic: { partitions: 1, converter: 'JsonConverter with schemas', producedSeconds: Number(produced.seconds.toFixed(1)) },
    jdbcSink: { ...jdbc, version: readFileSync(join(ROOT, 'infra/local/versions.env'), 'utf8').match(/^DEBEZIUM_JDBC_VERSION=(.+)$/m)![1], settings: Object.fromEntries(Object.entries(settings).filter(([k]) => !k.startsWith('connection.') && !k.includes('converter'))) },
    tributary,
  };
  // Only a full run is a result; a scaled-down one just prints.
  if (EVENTS === 1_000_000 && jdbc && tributary) writeFileSync(join(ROOT, 'bench/results/p4-cdc-apply.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  await cleanUp();
}

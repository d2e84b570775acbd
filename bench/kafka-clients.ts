// Kafka clients for Tributary's one job on Kafka: read exact offset ranges [0, end) of every
// partition of a topic, as fast as possible, in bounded memory. Side by side on this machine,
// on the same deterministic topic of the local us/cell-1 cluster:
//   platformatic  @platformatic/kafka through activities/sources/kafka/client.ts (what Tributary runs):
//                 plain fetch requests, no group; one client per partition as the extracts do
//   kafkajs       kafkajs 2.2.4: a consumer group (the only public way), seek to the start,
//                 eachBatch, stop each partition at its end
//   confluent     @confluentinc/kafka-javascript (librdkafka): assign() exact offsets, no group
//                 join, consume() in batches; installed only in bench/kafka-clients/
// Each client runs in a child process of its own (peak RSS is its own), twice, alternating; every
// run must see exactly the produced messages, once each. Writes bench/results/kafka-clients.json.
// Needs the local stack (make stack). Usage: node --import tsx bench/kafka-clients.ts [messages]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { openKafka } from '../activities/sources/kafka/client.js';
import { clickMessage } from './support.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BROKER = process.env.TRIBUTARY_KAFKA_US_CELL_1 ?? '127.0.0.1:19092';
const TOPIC = 'tributary_bench_kafka_clients';
const PARTITIONS = 4;
const CLIENTS = ['platformatic', 'kafkajs', 'confluent'] as const;
type ClientName = (typeof CLIENTS)[number];

interface RunResult {
  client: ClientName;
  messages: number;
  bytes: number;
  seconds: number;
  messagesPerSecond: number;
  peakRssMb: number;
}

async function endOffsets(admin: Admin): Promise<number[] | null> {
  const topics = await admin.listTopics();
  if (!topics.includes(TOPIC)) return null;
  const res = await admin.listOffsets({ topics: [{ name: TOPIC, partitions: [...Array(PARTITIONS).keys()].map((p) => ({ partitionIndex: p, timestamp: -1n })) }] });
  return res[0]!.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => Number(p.offset));
}

/** The topic holds exactly `n` messages (message i in partition i % 4), produced once and kept between runs. */
async function ensureTopic(n: number): Promise<number[]> {
  const admin = new Admin({ clientId: 'tributary-bench', bootstrapBrokers: [BROKER] });
  try {
    const want = [...Array(PARTITIONS).keys()].map((p) => Math.floor(n / PARTITIONS) + (p < n % PARTITIONS ? 1 : 0));
    const have = await endOffsets(admin);
    if (have && have.join() === want.join()) return have;
    if (have) {
      await admin.deleteTopics({ topics: [TOPIC] });
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
    const producer = new Producer({ clientId: 'tributary-bench', bootstrapBrokers: [BROKER], serializers: stringSerializers, acks: -1 });
    try {
      for (let i = 0; i < n; i += 10_000) {
        const batch = [];
        for (let j = i; j < Math.min(n, i + 10_000); j++) batch.push({ topic: TOPIC, partition: j % PARTITIONS, value: clickMessage(j) });
        await producer.send({ messages: batch });
      }
    } finally {
      await producer.close();
    }
    const got = await endOffsets(admin);
    if (got?.join() !== want.join()) throw new Error(`produced ${got?.join()} per partition, expected ${want.join()}`);
    return got;
  } finally {
    await admin.close();
  }
}

/** Counts what a client hands over and checks every offset of every partition comes exactly once, in order. */
class Tally {
  messages = 0;
  bytes = 0;
  private readonly next: number[];
  constructor(private readonly ends: number[]) {
    this.next = ends.map(() => 0);
  }
  take(partition: number, offset: number, value: Buffer | null | undefined): void {
    if (offset !== this.next[partition]) throw new Error(`partition ${partition}: got offset ${offset}, expected ${this.next[partition]}`);
    this.next[partition] = offset + 1;
    this.messages++;
    this.bytes += value?.length ?? 0;
  }
  done(partition: number): boolean {
    return this.next[partition]! >= this.ends[partition]!;
  }
  get complete(): boolean {
    return this.ends.every((_, p) => this.done(p));
  }
}

async function readWithPlatformatic(ends: number[], tally: Tally): Promise<void> {
  const endpoint = { id: 'bench/us/cell-1', source: 'bench', region: 'us', cell: 'cell-1', brokers: [BROKER] };
  const secrets = { get: () => Promise.resolve({}) } as unknown as Parameters<typeof openKafka>[1];
  await Promise.all(
    ends.map(async (end, partition) => {
      const kafka = await openKafka(endpoint, secrets, 'tributary-bench');
      try {
        await kafka.readRange(TOPIC, partition, 0, end, (batch) => {
          for (const m of batch) tally.take(partition, m.offset, m.value);
        });
      } finally {
        await kafka.close();
      }
    }),
  );
}

async function readWithKafkajs(ends: number[], tally: Tally): Promise<void> {
  const kafka = new Kafka({ clientId: 'tributary-bench', brokers: [BROKER], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `tributary-bench-${process.pid}-${Date.now()}`, maxBytes: 16 * 1024 * 1024, maxBytesPerPartition: 8 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC });
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      const p = batch.partition;
      for (const m of batch.messages) {
        const offset = Number(m.offset);
        if (offset >= ends[p]!) break;
        tally.take(p, offset, m.value);
      }
      if (tally.done(p)) consumer.pause([{ topic: TOPIC, partitions: [p] }]);
      if (tally.complete) finish();
      return Promise.resolve();
    },
  });
  for (let p = 0; p < ends.length; p++) consumer.seek({ topic: TOPIC, partition: p, offset: '0' });
  await finished;
  await consumer.disconnect();
}

interface RdMessage {
  partition: number;
  offset: number;
  value: Buffer | null;
}
interface RdConsumer {
  connect(): void;
  on(event: 'ready', cb: () => void): void;
  on(event: 'event.error', cb: (err: Error) => void): void;
  assign(parts: { topic: string; partition: number; offset: number }[]): void;
  unassign(): void;
  consume(n: number, cb: (err: Error | null, messages: RdMessage[]) => void): void;
  disconnect(cb: () => void): void;
}

async function readWithConfluent(ends: number[], tally: Tally): Promise<void> {
  const require = createRequire(new URL('./kafka-clients/package.json', import.meta.url));
  const { KafkaConsumer } = require('@confluentinc/kafka-javascript') as { KafkaConsumer: new (conf: object, topicConf: object) => RdConsumer };
  const consumer = new KafkaConsumer(
    { 'group.id': `tributary-bench-${process.pid}`, 'metadata.broker.list': BROKER, 'enable.auto.commit': false, 'fetch.max.bytes': 16 * 1024 * 1024, 'max.partition.fetch.bytes': 8 * 1024 * 1024 },
    { 'auto.offset.reset': 'error' },
  );
  await new Promise<void>((resolve, reject) => {
    consumer.on('event.error', reject);
    consumer.on('ready', () => resolve());
    consumer.connect();
  });
  // assign() reads from the given offsets without joining the group.
  consumer.assign(ends.map((_, partition) => ({ topic: TOPIC, partition, offset: 0 })));
  while (!tally.complete) {
    const batch = await new Promise<RdMessage[]>((resolve, reject) => consumer.consume(10_000, (err, m) => (err ? reject(err) : resolve(m))));
    for (const m of batch) if (m.offset < ends[m.partition]!) tally.take(m.partition, m.offset, m.value);
  }
  consumer.unassign();
  await new Promise<void>((r) => consumer.disconnect(() => r()));
}

/** Child process: one client reads the whole topic once and prints its result as JSON. */
async function child(client: ClientName, ends: number[]): Promise<void> {
  const tally = new Tally(ends);
  const started = process.hrtime.bigint();
  if (client === 'platformatic') await readWithPlatformatic(ends, tally);
  else if (client === 'kafkajs') await readWithKafkajs(ends, tally);
  else await readWithConfluent(ends, tally);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const expected = ends.reduce((a, b) => a + b, 0);
  if (tally.messages !== expected) throw new Error(`${client} read ${tally.messages} messages, expected ${expected}`);
  const result: RunResult = {
    client,
    messages: tally.messages,
    bytes: tally.bytes,
    seconds,
    messagesPerSecond: Math.round(tally.messages / seconds),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(result));
}

function confluentInstallable(): { ok: boolean; note: string } {
  const pkg = new URL('./kafka-clients/node_modules/@confluentinc/kafka-javascript/', import.meta.url);
  if (!existsSync(pkg)) return { ok: false, note: 'not installed: run npm install in bench/kafka-clients (see bench/README.md)' };
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(fileURLToPath(pkg))})`], { encoding: 'utf8' });
  if (probe.status === 0) return { ok: true, note: 'built from the npm package with its bundled librdkafka (see bench/README.md)' };
  return { ok: false, note: `installed but cannot load: ${probe.stderr.split('\n').find((l) => l.includes('Error')) ?? probe.stderr.slice(0, 200)}` };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1] as ClientName, JSON.parse(args[2]!) as number[]);
    return;
  }
  const n = Number(args[0] ?? 1_000_000);
  console.log(`producing ${n} messages to ${TOPIC} on ${BROKER} (kept between runs)…`);
  const ends = await ensureTopic(n);
  const confluent = confluentInstallable();
  const runs: RunResult[] = [];
  for (let round = 0; round < 2; round++) {
    const order = round === 0 ? CLIENTS : [...CLIENTS].reverse();
    for (const client of order) {
      if (client === 'confluent' && !confluent.ok) continue;
      const out = spawnSync(process.execPath, ['--import', 'tsx', 'bench/kafka-clients.ts', '--child', client, JSON.stringify(ends)], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
      if (out.status !== 0) throw new Error(`${client} failed: ${out.stderr}`);
      const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as RunResult;
      console.log(`${client.padEnd(12)} ${r.messagesPerSecond.toLocaleString('en-US').padStart(10)} msg/s  ${r.seconds.toFixed(2)} s  peak RSS ${r.peakRssMb.toFixed(0)} MB`);
      runs.push(r);
    }
  }
  const best = (c: ClientName) => runs.filter((r) => r.client === c).sort((a, b) => b.messagesPerSecond - a.messagesPerSecond)[0];
  const version = (name: string, from = ROOT) => {
    const file = `${from}node_modules/${name}/package.json`;
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : null;
  };
  const result = {
    benchmark: 'Kafka clients: exact offset ranges [0, end) of 4 partitions',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    topic: { messages: ends.reduce((a, b) => a + b, 0), partitions: PARTITIONS, averageBytes: Math.round(runs[0]!.bytes / runs[0]!.messages), broker: 'local us/cell-1 (Kafka 4.1.1, KRaft, one node)' },
    clients: {
      platformatic: { package: '@platformatic/kafka', version: version('@platformatic/kafka'), best: best('platformatic') },
      kafkajs: { package: 'kafkajs', version: version('kafkajs'), best: best('kafkajs') },
      confluent: {
        package: '@confluentinc/kafka-javascript',
        version: version('@confluentinc/kafka-javascript', `${ROOT}bench/kafka-clients/`),
        installed: confluent.ok,
        note: confluent.note,
        best: best('confluent') ?? null,
      },
    },
    runs,
  };
  writeFileSync(new URL('./results/kafka-clients.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log('wrote bench/results/kafka-clients.json');
}

await main();

// Topics on the three local Kafka clusters for the topic-pipeline tests: a config with the
// "events" Kafka source, deterministic producing (with @platformatic/kafka's producer, which
// Tributary's reading path does not use), and warehouse look-ups. Every test file uses topics of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { Admin, ListOffsetTimestamps, ProduceAcks, Producer } from '@platformatic/kafka';
import type { WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { validateConfig } from '../../config/load.js';
import type { TributaryConfig } from '../../config/schema.js';
import { ROOT, STACK, stackConfig, withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;

/** "us/cell-1" -> its broker on the local stack. */
export const CELLS = Object.keys(STACK.kafka);

/** A stack config (own schema, stage and task queues) with the Kafka source "events" of all three clusters. */
export function topicStackConfig(pipelines: unknown[], opts: { schema?: string; heartbeatTimeoutSeconds?: number } = {}): TributaryConfig {
  const base = stackConfig([], opts);
  const clusters = CELLS.map((c) => {
    const [region, cell] = c.split('/');
    return { region, cell, brokers: [STACK.kafka[c]!] };
  });
  return validateConfig('test-config', { ...base, sources: { ...base.sources, events: { type: 'kafka', clusters } }, pipelines });
}

const client = (cell: string) => ({ clientId: 'tributary-test', bootstrapBrokers: [STACK.kafka[cell]!] });

export async function withAdmin<T>(cell: string, fn: (a: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(client(cell));
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Resolves once every one of the topic's `count` partitions has a leader. */
async function leadersOf(a: Admin, cell: string, topic: string, count: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const meta = await a.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
    const t = meta?.topics.get(topic);
    if (t && t.partitions.filter((p) => p.leader >= 0).length >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`topic ${topic} on ${cell}: ${count} partitions have no leader after 10 s`);
}

export async function createTopic(cell: string, topic: string, partitions = 4): Promise<void> {
  await withAdmin(cell, async (a) => {
    await a.createTopics({ topics: [topic], partitions, replicas: 1 });
    await leadersOf(a, cell, topic, partitions);
  });
}

export async function deleteTopic(cell: string, topic: string): Promise<void> {
  await withAdmin(cell, (a) => a.deleteTopics({ topics: [topic] })).catch(() => undefined);
}

/** Grows the topic to `count` partitions, and returns once every one of them has a leader. */
export async function addPartitions(cell: string, topic: string, count: number): Promise<void> {
  await withAdmin(cell, async (a) => {
    await a.createPartitions({ topics: [{ name: topic, count }] });
    await leadersOf(a, cell, topic, count);
  });
}

export interface Produced {
  partition: number;
  key?: string;
  value: string | Buffer | null;
  headers?: Record<string, string>;
}

const bytes = (v: string | Buffer) => (typeof v === 'string' ? Buffer.from(v) : v);

/**
 * Sends the messages in order, in batches (acks from all replicas); returns how many were sent.
 * Idempotent, so a send the client retries after a partial failure never writes a message twice.
 */
export async function produce(cell: string, topic: string, messages: Produced[]): Promise<number> {
  const producer = new Producer({ ...client(cell), idempotent: true, acks: ProduceAcks.ALL, autocreateTopics: false });
  try {
    for (let i = 0; i < messages.length; i += 5_000) {
      await producer.send({
        messages: messages.slice(i, i + 5_000).map((m) => ({
          topic,
          partition: m.partition,
          ...(m.key !== undefined ? { key: bytes(m.key) } : {}),
          // A null value is a tombstone: the record carries no value at all.
          value: m.value === null ? (null as unknown as Buffer) : bytes(m.value),
          ...(m.headers ? { headers: new Map(Object.entries(m.headers).map(([k, v]) => [bytes(k), bytes(v)])) } : {}),
        })),
      });
    }
  } finally {
    await producer.close();
  }
  return messages.length;
}

/** A click event: every field derives from (cell, n), so the warehouse can be checked value by value. */
export function click(cell: string, n: number): Record<string, unknown> {
  return {
    id: n,
    user: { name: `user-${n % 97}`, tier: n % 3 === 0 ? 'gold' : null },
    amount: (n % 1000) / 10,
    at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    tags: [cell, `t${n % 5}`],
  };
}

/** What a topic pipeline may load of a click event, column by column. */
const CLICK_COLUMNS = {
  id: { name: 'id', path: 'id', type: 'bigint', required: true },
  user_name: { name: 'user_name', path: 'user.name', type: 'text' },
  tier: { name: 'tier', path: '$.user.tier', type: 'text' },
  amount: { name: 'amount', path: 'amount', type: 'numeric' },
  at: { name: 'at', path: 'at', type: 'timestamptz', required: true },
  first_tag: { name: 'first_tag', path: 'tags[0]', type: 'text' },
};

/** The named columns of click events, for a topic pipeline's `columns`. */
export function clickColumns(...names: (keyof typeof CLICK_COLUMNS)[]) {
  return names.map((n) => CLICK_COLUMNS[n]);
}

/** n messages of clicks numbered from `first`, spread round-robin over `partitions`. */
export function clicks(cell: string, first: number, n: number, partitions = 4): Produced[] {
  return Array.from({ length: n }, (_, i) => ({ partition: (first + i) % partitions, value: JSON.stringify(click(cell, first + i)) }));
}

/** Kafka's end offsets of a topic, per partition, and a consumer group's committed offsets. */
export async function endOffsets(cell: string, topic: string): Promise<Map<number, number>> {
  return withAdmin(cell, async (a) => {
    const count = (await a.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)!.partitionsCount;
    const res = await a.listOffsets({ topics: [{ name: topic, partitions: [...Array(count).keys()].map((p) => ({ partitionIndex: p, timestamp: ListOffsetTimestamps.LATEST })) }] });
    return new Map(res[0]!.partitions.map((p) => [p.partitionIndex, Number(p.offset)]));
  });
}

export async function groupOffsets(cell: string, groupId: string, topic: string): Promise<Map<number, number>> {
  const res = await withAdmin(cell, (a) => a.listConsumerGroupOffsets({ groups: [groupId] }));
  const t = res[0]!.topics.find((x) => x.name === topic);
  return new Map((t?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.committedOffset)]));
}

export async function query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  return withClient(STACK.warehouse, async (c) => (await c.query<R>(text, params)).rows);
}

export const qualified = ([schema, table]: [string, string]) => `${ident(schema)}.${ident(table)}`;

/** Rows per cell, and messages loaded twice (same cluster, partition and offset). */
export async function loadedPerCell(target: [string, string]): Promise<{ perCell: Record<string, number>; duplicates: number }> {
  const rows = await query<{ source: string; n: string; dups: string }>(
    `SELECT _source AS source, count(*) AS n, count(*) - count(DISTINCT (kafka_partition, kafka_offset)) AS dups FROM ${qualified(target)} GROUP BY _source`,
  );
  const perCell: Record<string, number> = {};
  let duplicates = 0;
  for (const r of rows) {
    perCell[r.source.split('/').slice(1).join('/')] = Number(r.n);
    duplicates += Number(r.dups);
  }
  return { perCell, duplicates };
}

export async function dropSchema(schema: string): Promise<void> {
  await query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
}

/** A worker process for one region (node itself: tsx's wrapper would outlive a SIGKILL). */
export function startWorkerProcess(configFile: string, region: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--config', configFile, '--region', region], {
    cwd: ROOT,
    env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.resume();
  return child;
}

/** Resolves once the worker process has created its worker (it prints "worker started"). */
export function workerStarted(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker started')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it started`)));
  });
}

export async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Waits until an activity of this type is running (started, not just scheduled) in the workflow. */
export async function waitForActivity(handle: WorkflowHandle, type: string): Promise<void> {
  for (let i = 0; i < 1_200; i++) {
    const d = await handle.describe();
    if (d.raw.pendingActivities?.some((a) => a.activityType?.name === type && String(a.state) === '2' /* STARTED */)) return;
    if (d.status.name !== 'RUNNING') throw new Error(`workflow ended (${d.status.name}) before ${type} started`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${type} never started`);
}

// What the benchmarks share: one-shot SQL, a config on the local stack written to a file, a
// worker process for one region, a process's peak RSS and CPU time, a peer's command timed with
// the peak RSS of its process tree, a run's time per activity, a Kafka admin client.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Admin, ListOffsetTimestamps } from '@platformatic/kafka';
import type { Client, WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { connectClient } from '../client/run-pipeline.js';
import { validateConfig } from '../config/load.js';
import type { TributaryConfig } from '../config/schema.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Runs one statement on a fresh connection. */
export async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

/** Runs fn with an admin client of one Kafka cluster, closed afterwards. */
export async function withKafkaAdmin<T>(broker: string, clientId: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId, bootstrapBrokers: [broker] });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** The sum of a topic's end offsets over its partitions. */
export async function topicEndOffset(admin: Admin, topic: string): Promise<number> {
  const count = (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)!.partitionsCount;
  const res = await admin.listOffsets({ topics: [{ name: topic, partitions: [...Array(count).keys()].map((p) => ({ partitionIndex: p, timestamp: ListOffsetTimestamps.LATEST })) }] });
  return res[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
}

/** A config for region us of the local stack, with its own warehouse schema, stage and task queues. */
export function benchConfig(name: string, schema: string, pipelines: unknown[], moreSources: Record<string, unknown> = {}): TributaryConfig {
  return validateConfig('bench', {
    sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }] }, ...moreSources },
    warehouse: { type: 'postgres', secret: 'warehouse', schema },
    stage: { type: 'file', path: mkdtempSync(join(tmpdir(), `${name}-stage-`)) },
    secrets: { provider: 'file', path: join(ROOT, 'infra/local/secrets.json') },
    temporal: { taskQueuePrefix: name },
    pipelines,
  });
}

/**
 * Starts workers/main.ts for region us with this config, and waits until it serves its task queue.
 * `nodeArgs` go to node itself (e.g. --cpu-prof to profile the worker).
 */
export async function startWorker(config: TributaryConfig, nodeArgs: string[] = []): Promise<ChildProcessByStdio<null, Readable, null>> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const worker = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'workers/main.ts', '--config', file, '--region', 'us'], {
    cwd: ROOT,
    env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => worker.stdout.on('data', (d: Buffer) => d.toString().includes('worker started') && resolve()));
  return worker;
}

/**
 * startWorker with node's --cpu-prof into $BENCH_CPU_PROF when that is set, its stdout drained, and
 * a client to Temporal for the config. `exited` settles when the worker exits (a profile is written then).
 */
export async function startBenchWorker(config: TributaryConfig): Promise<{ worker: ChildProcessByStdio<null, Readable, null>; exited: Promise<unknown>; client: Client; profDir: string | undefined }> {
  const profDir = process.env.BENCH_CPU_PROF;
  const worker = await startWorker(config, profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
  worker.stdout.resume();
  const exited = new Promise((r) => worker.once('exit', r));
  const client = await connectClient(config);
  return { worker, exited, client, profDir };
}

/** Message n of the topic benchmarks: a JSON click of 160 to 200 bytes, no backslash or tab, the same on every run. */
export function clickMessage(n: number): string {
  return JSON.stringify({
    id: n,
    user: { id: n % 50_000, name: `user-${n % 50_000}`, tier: ['free', 'pro', 'gold'][n % 3] },
    page: `/products/${n % 9973}`,
    amount: (n % 100_000) / 100,
    at: new Date(Date.UTC(2026, 0, 1) + n * 10).toISOString(),
    tags: [`t${n % 7}`, `c${n % 11}`],
  });
}

/** Peak resident memory of a live process, in MB (Linux). */
export function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** Resident memory of a process and all its descendants right now, in MB (Linux); 0 once gone. */
export function treeRssMb(root: number): number {
  const children = new Map<number, number[]>();
  const rssKb = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      rssKb.set(Number(name), Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended between readdir and read
    }
  }
  let kb = 0;
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    kb += rssKb.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return kb / 1024;
}

/**
 * Runs a peer's command to its end, timed, under /usr/bin/time. Peak RSS is the larger of the
 * biggest single process (time's %M) and the process tree's total sampled every 200 ms, so a
 * peer that forks workers is counted whole. Throws with the tail of its output if it fails.
 */
export async function runTimed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ seconds: number; machineCpuSeconds: number; peakRssMb: number; stdout: string }> {
  const rssFile = join(mkdtempSync(join(tmpdir(), 'bench-time-')), 'rss');
  const stop = startClock();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  let treePeak = 0;
  const sampler = setInterval(() => (treePeak = Math.max(treePeak, treeRssMb(child.pid!))), 200);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const clock = stop();
  if (code !== 0) throw new Error(`${command} exited with ${code}:\n${stderr}\n${stdout.slice(-4000)}`);
  const largest = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
  return { ...clock, peakRssMb: Math.max(largest, treePeak), stdout };
}

/** CPU seconds (user + system) a live process has used so far (Linux; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds the whole machine has spent busy so far, over all cores (Linux /proc/stat, ticks
 * of 1/100 s): user, nice, system, irq, softirq and steal.
 */
function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
}

/**
 * Starts timing one side of a benchmark; the function returned stops it: wall seconds, and the
 * CPU seconds the whole machine spent meanwhile (every process: the side's, the servers it
 * drives, and the idle local stack), which says whether a side was bound by the machine's cores.
 */
export function startClock(): () => { seconds: number; machineCpuSeconds: number } {
  const started = process.hrtime.bigint();
  const cpu = machineCpuSeconds();
  return () => ({ seconds: Number(process.hrtime.bigint() - started) / 1e9, machineCpuSeconds: Number((machineCpuSeconds() - cpu).toFixed(1)) });
}

/**
 * Where a run's time went, per activity type, from its history: `busy` sums each activity's
 * seconds from start to completion, `span` runs from the first start to the last completion.
 */
export async function activityTimes(handle: WorkflowHandle): Promise<Record<string, { count: number; busy: number; span: number }>> {
  const history = await handle.fetchHistory();
  const type = new Map<string, string>();
  const started = new Map<string, number>();
  const out: Record<string, { count: number; busy: number; first: number; last: number }> = {};
  for (const e of history.events ?? []) {
    const ms = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    if (e.activityTaskScheduledEventAttributes) type.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    if (e.activityTaskStartedEventAttributes) started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), ms);
    const done = e.activityTaskCompletedEventAttributes;
    if (!done) continue;
    const id = String(done.scheduledEventId);
    const t = (out[type.get(id) ?? '?'] ??= { count: 0, busy: 0, first: Infinity, last: 0 });
    const from = started.get(id) ?? ms;
    t.count++;
    t.busy += ms - from;
    t.first = Math.min(t.first, from);
    t.last = Math.max(t.last, ms);
  }
  const round = (ms: number) => Number((ms / 1000).toFixed(1));
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { count: t.count, busy: round(t.busy), span: round(t.last - t.first) }]));
}

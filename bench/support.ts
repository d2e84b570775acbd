// What the benchmarks share: one-shot SQL, a config on the local stack written to a file, a
// worker process for one region, a process's peak RSS and CPU time, a run's time per activity.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
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

/** Peak resident memory of a live process, in MB (Linux). */
export function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** CPU seconds (user + system) a live process has used so far (Linux; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
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

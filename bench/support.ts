// What the benchmarks share: one-shot SQL, a config on the local stack written to a file, a
// worker process for one region, and a process's peak RSS.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
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
export function benchConfig(name: string, schema: string, pipelines: unknown[]): TributaryConfig {
  return validateConfig('bench', {
    sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }] } },
    warehouse: { type: 'postgres', secret: 'warehouse', schema },
    stage: { type: 'file', path: mkdtempSync(join(tmpdir(), `${name}-stage-`)) },
    secrets: { provider: 'file', path: join(ROOT, 'infra/local/secrets.json') },
    temporal: { taskQueuePrefix: name },
    pipelines,
  });
}

/** Starts workers/main.ts for region us with this config, and waits until it serves its task queue. */
export async function startWorker(config: TributaryConfig): Promise<ChildProcessByStdio<null, Readable, null>> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--config', file, '--region', 'us'], {
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

// A worker process (workers/main.ts) for one region with its own config file and environment,
// for tests that look at what a real worker process emits: its logs and its metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import type { TributaryConfig } from '../../config/schema.js';
import { ROOT, writeConfigFile } from './stack.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** Stops it gracefully (SIGTERM: the worker drains, metrics and logs are flushed) and waits for it to exit. */
  stop(): Promise<void>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

/** Starts the worker (node itself: tsx's wrapper would outlive a kill) and resolves once it logged "worker started". */
export async function startWorkerProcess(config: TributaryConfig, region: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const file = writeConfigFile(config);
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--config', file, '--region', region], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('worker started')) resolve();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it started:\n${out}`)));
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    output: () => out,
  };
}

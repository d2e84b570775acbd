// The worker process the faults hit: workers/main.ts for region us, started from node itself (a
// tsx wrapper would outlive a SIGKILL), with the workflow code bundled once for the whole suite so
// each of the many restarts takes seconds. Its log goes to a file, not the suite's output.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TributaryConfig } from '../config/schema.js';
import { workflowBundleOptions } from '../workers/workflows-path.js';
import { ROOT } from '../test/integration/stack.js';
import { killProcess } from '../test/integration/topic-fixture.js';

/** Bundles the workflow code into a temporary file (what the image does at build time). */
export async function bundleWorkflows(dir: string): Promise<string> {
  const path = join(dir, 'workflow-bundle.js');
  await writeFile(path, (await bundleWorkflowCode({ ...workflowBundleOptions, logger: quietBundler })).code);
  return path;
}

const ignore = () => undefined;
const quietBundler = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore, log: ignore };

/**
 * One worker for region us at a time: start, SIGKILL, start again. If it exits on its own (it may,
 * while Temporal is down), it is started again and the exit is counted.
 */
export class Worker {
  private child: ChildProcess | undefined;
  private readonly log: WriteStream;
  private readonly configFile: string;
  private killing = false;
  private stopped = false;
  /** Exits the suite did not cause, with their exit code or signal. */
  readonly unexpectedExits: string[] = [];
  starts = 0;

  constructor(config: TributaryConfig, private readonly bundle: string, dir: string) {
    this.configFile = join(mkdtempSync(join(dir, 'config-')), 'config.json');
    writeFileSync(this.configFile, JSON.stringify(config));
    this.log = createWriteStream(join(dir, 'worker.log'), { flags: 'a' });
  }

  /** The pid of the worker process running now. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logFile(): string {
    return this.log.path as string;
  }

  /** Starts a worker and resolves once it serves its task queue ("worker started"). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--config', this.configFile, '--region', 'us'], {
      cwd: ROOT,
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'WARN', TRIBUTARY_WORKFLOW_BUNDLE: this.bundle },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    child.stderr.pipe(this.log, { end: false });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        if (chunk.toString().includes('worker started')) resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it started; see ${this.logFile}`)));
    });
    child.once('exit', (code, signal) => {
      if (this.killing || this.stopped || this.child !== child) return;
      this.unexpectedExits.push(String(code ?? signal));
      void this.restartAfterExit();
    });
  }

  private async restartAfterExit(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.start();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(10_000, 1_000 * 2 ** attempt)));
      }
    }
  }

  /** SIGKILLs the running worker and waits until it is gone. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.killing = true;
    try {
      await killProcess(this.child);
    } finally {
      this.killing = false;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.child) await killProcess(this.child);
    await new Promise<void>((r) => this.log.end(r));
  }
}

export function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'tributary-chaos-'));
}

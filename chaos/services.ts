// Crashing one service of the local stack and bringing it back, the way infra/local manages them:
// the pid comes from infra/local/lib.sh (kafka_pid, pg_pid, temporal_pid), PostgreSQL is stopped
// with `pg_ctl stop -m immediate` (no shutdown checkpoint: crash recovery at the next start), the
// others are SIGKILLed, and infra/local/start.sh starts whatever is missing and waits until ready.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../test/integration/stack.js';
import { startMissing } from '../test/integration/stack-restart.js';

const run = promisify(execFile);

export type Service = { kind: 'kafka'; name: string } | { kind: 'postgres'; name: string } | { kind: 'temporal' };

export const describeService = (s: Service): string => (s.kind === 'temporal' ? 'temporal dev server' : `${s.kind} ${s.name}`);

async function lib(script: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', `. infra/local/lib.sh && ${script}`], { cwd: ROOT });
  return stdout.trim();
}

export async function servicePid(s: Service): Promise<number | undefined> {
  const call = s.kind === 'kafka' ? `kafka_pid ${s.name}` : s.kind === 'postgres' ? `pg_pid ${s.name}` : 'temporal_pid';
  const pid = Number(await lib(call));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Crashes the service and waits until its process is gone; returns the old pid. */
export async function crash(s: Service): Promise<number> {
  const pid = await servicePid(s);
  if (pid === undefined) throw new Error(`${describeService(s)} is not running: start the local stack (bash infra/local/start.sh)`);
  if (s.kind === 'postgres') await lib(`as_pg "$PG_BIN/pg_ctl" -D "$(pg_data ${s.name})" -m immediate -w -t 60 stop >/dev/null`);
  else process.kill(pid, 'SIGKILL');
  if (!(await gone(pid, 60_000))) throw new Error(`${describeService(s)} (pid ${pid}) still alive 60 s after it was stopped`);
  return pid;
}

/** infra/local/start.sh: starts what is missing, returns once everything answers. */
export const restartMissing = startMissing;

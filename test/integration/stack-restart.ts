// Killing one service of the local stack and starting it again, for the restart tests: the pid
// comes from infra/local/lib.sh (the same look-up the stack scripts use, checked against the
// command line), and infra/local/start.sh starts whatever is missing and waits until it is ready.
// PostgreSQL is stopped with `pg_ctl stop -m immediate` (a crash: recovery at the next start).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './stack.js';

const run = promisify(execFile);

/** A service of the stack by its lib.sh helper: kafka_pid us-cell-2, connect_pid us, pg_pid source-us. */
export type StackService = { kind: 'kafka'; name: string } | { kind: 'connect'; region: string } | { kind: 'postgres'; name: string };

const describeService = (s: StackService) => (s.kind === 'connect' ? `kafka connect ${s.region}` : `${s.kind} ${s.name}`);
const lookUp = (s: StackService) => (s.kind === 'connect' ? `connect_pid ${s.region}` : `${s.kind === 'kafka' ? 'kafka_pid' : 'pg_pid'} ${s.name}`);

/** The service's pid, or undefined when it is not running. */
export async function servicePid(s: StackService): Promise<number | undefined> {
  const { stdout } = await run('bash', ['-c', `. infra/local/lib.sh && ${lookUp(s)}`], { cwd: ROOT });
  const pid = Number(stdout.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** SIGKILLs the service (no clean shutdown: what a crash or an OOM kill does) and waits until it is gone. */
export async function killService(s: StackService): Promise<number> {
  const pid = await servicePid(s);
  if (pid === undefined) throw new Error(`${describeService(s)} is not running: start the local stack (bash infra/local/start.sh)`);
  if (s.kind === 'postgres') await run('bash', ['-c', `. infra/local/lib.sh && as_pg "$PG_BIN/pg_ctl" -D "$(pg_data ${s.name})" -m immediate -w -t 60 stop >/dev/null`], { cwd: ROOT });
  else process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return pid;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${describeService(s)} (pid ${pid}) still alive 60 s after SIGKILL`);
}

/** Runs infra/local/start.sh: it starts what is missing and returns once everything answers. */
export async function startMissing(): Promise<void> {
  try {
    await run('bash', ['infra/local/start.sh'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`infra/local/start.sh failed: ${e.message}\n${(e.stderr ?? '').slice(-2000)}`, { cause: err });
  }
}

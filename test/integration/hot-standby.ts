// A streaming hot standby of a local source, made the way a team makes a read replica:
// pg_basebackup of the running primary, started on a port of its own; removed again after.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './stack.js';

const PG_MAJOR = /PG_MAJOR=(\d+)/.exec(readFileSync(join(ROOT, 'infra/local/versions.env'), 'utf8'))![1]!;
const PG_BIN = `/usr/lib/postgresql/${PG_MAJOR}/bin`;

export interface Standby {
  port: number;
  url: string;
  stop(): void;
}

/** PostgreSQL refuses to run as root: its tools then run as the postgres user. */
function asPg(cmd: string, args: string[], env: Record<string, string> = {}): void {
  const root = process.getuid?.() === 0;
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  execFileSync(file, argv, { cwd: '/', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `primaryUrl`: a superuser URL of the running primary (replication is allowed from loopback). */
export async function startStandby(primaryUrl: string, port: number): Promise<Standby> {
  const p = new URL(primaryUrl);
  const dir = mkdtempSync(join(tmpdir(), 'tributary-standby-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const conninfo = `host=${p.hostname} port=${p.port} user=${decodeURIComponent(p.username)} password=${decodeURIComponent(p.password)}`;
  asPg(`${PG_BIN}/pg_basebackup`, ['-d', conninfo, '-D', data, '-R', '-X', 'stream', '-c', 'fast']);
  asPg(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', join(dir, 'standby.log'), '-w', '-t', '60', '-o', `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c hot_standby=on`, 'start']);
  const url = `${p.protocol}//${p.username}:${p.password}@127.0.0.1:${port}${p.pathname}`;
  // Ready for reads once it accepts connections in recovery.
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const inRecovery = (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r;
  await c.end();
  if (!inRecovery) throw new Error(`the server on port ${port} is not a standby`);
  return {
    port,
    url,
    stop() {
      try {
        asPg(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Until the standby has replayed everything the primary has written so far. */
export async function caughtUp(primaryUrl: string, standbyUrl: string): Promise<void> {
  const lsn = await one(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS v');
  for (let i = 0; i < 600; i++) {
    if ((await one(standbyUrl, `SELECT (pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn)::text AS v`)) === 'true') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the standby did not catch up within 60 s');
}

async function one(url: string, sql: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ v: string }>(sql)).rows[0]!.v;
  } finally {
    await c.end();
  }
}

// A login role of a test's own on a regional source, with exactly the grants docs/security.md
// lists for a reader (CONNECT, USAGE and SELECT; no REPLICATION, no pg_read_all_stats unless a
// test of the bound's visible-transaction mode asks for it), so a test can change its password
// without touching the role other tests use.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT, STACK, withClient } from './stack.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export async function createReaderRole(region: string, role: string, password: string, tables: string[], opts: { readAllStats?: boolean } = {}): Promise<void> {
  await withClient(STACK.source[region]!, async (c) => {
    await c.query(`CREATE ROLE ${ident(role)} LOGIN PASSWORD ${literal(password)}`);
    if (opts.readAllStats === true) await c.query(`GRANT pg_read_all_stats TO ${ident(role)}`);
    await c.query(`GRANT CONNECT ON DATABASE app TO ${ident(role)}`);
    await c.query(`GRANT USAGE ON SCHEMA public TO ${ident(role)}`);
    for (const t of tables) await c.query(`GRANT SELECT ON public.${ident(t)} TO ${ident(role)}`);
  });
}

export async function setRolePassword(region: string, role: string, password: string): Promise<void> {
  await withClient(STACK.source[region]!, (c) => c.query(`ALTER ROLE ${ident(role)} PASSWORD ${literal(password)}`));
}

/** Ends every session of the role (a worker's pooled ones included). */
export async function endSessions(region: string, role: string): Promise<void> {
  await withClient(STACK.source[region]!, (c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]));
}

export async function dropRole(region: string, role: string): Promise<void> {
  await endSessions(region, role);
  await withClient(STACK.source[region]!, async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (exists.rowCount === 0) return;
    await c.query(`DROP OWNED BY ${ident(role)}`);
    await c.query(`DROP ROLE ${ident(role)}`);
  });
}

/** Can this role log in with this password right now? */
export async function canLogin(region: string, role: string, password: string): Promise<boolean> {
  const url = new URL(STACK.source[region]!);
  const c = new pg.Client({ host: url.hostname, port: Number(url.port), database: url.pathname.slice(1), user: role, password });
  try {
    await c.connect();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '28P01') return false;
    throw err;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A secrets file: the local stack's, with `app-<region>` logging in as this role. */
export function secretsFileFor(region: string, role: string, password: string): string {
  const url = new URL(STACK.source[region]!);
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-role-')), 'secrets.json');
  writeFileSync(file, JSON.stringify({ ...localSecrets(), [`app-${region}`]: { host: url.hostname, port: Number(url.port), username: role, password, dbname: 'app' } }));
  return file;
}

/** The local stack's secrets (infra/local/secrets.json), to copy the ones a test does not change. */
export function localSecrets(): Record<string, Record<string, unknown>> {
  const file = process.env.TRIBUTARY_SECRETS_FILE ?? join(ROOT, 'infra/local/secrets.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
}

// Opens PostgreSQL connections (sources and the PostgreSQL warehouse) from config + secret.
// On an authentication failure the secret is fetched again once, so a rotated password is
// picked up without restarting the worker. Short uses (withPg) share a pool per server and
// credentials, so a schedule of many small polls does not open a session (and authenticate)
// per question on a production source.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { SecretProvider } from '../secrets/provider.js';
import { tlsMaterial, type TlsFiles } from '../secrets/tls.js';
import { isPgSslMode, pgSslOptions, type PgSslMode } from './tls.js';

export interface PgTarget {
  /** Names the server in errors: "source app/us" or "warehouse". */
  label: string;
  host?: string;
  port?: number;
  database?: string;
  secret: string;
  /** A source: every transaction of the session is read-only, whatever the role may do. */
  readOnly?: boolean;
  /** TLS from the config; without it the secret's `sslmode` (and PEM fields), else none. */
  tls?: TlsFiles & { mode: PgSslMode };
}

/** Our sessions say who they are, so the safe upper bound can ignore our own read-only transactions. */
export const APPLICATION_NAME = 'tributary';

const AUTH_FAILED = new Set(['28P01', '28000']);

type Cred = Awaited<ReturnType<SecretProvider['get']>>;

/** The session's TLS: the config's mode, else the secret's sslmode; undefined leaves node-postgres its default (PGSSLMODE). */
async function sslFor(target: PgTarget, cred: Cred): Promise<pg.ClientConfig['ssl']> {
  const mode = target.tls?.mode ?? cred.sslmode;
  if (mode === undefined) return undefined;
  if (!isPgSslMode(mode)) throw new Error(`${target.label}: field "sslmode" of secret "${target.secret}" must be disable, require, verify-ca or verify-full`);
  return pgSslOptions(mode, await tlsMaterial(target.label, target.tls, target.secret, cred));
}

async function clientConfig(target: PgTarget, cred: Cred, serverZone = false): Promise<pg.ClientConfig> {
  const host = target.host ?? cred.host;
  const port = target.port ?? (cred.port === undefined ? undefined : Number(cred.port));
  const database = target.database ?? cred.dbname;
  if (!host || !port || !database || !cred.username) {
    throw new Error(`${target.label}: host, port, database and username must come from the config or from secret "${target.secret}"`);
  }
  const ssl = await sslFor(target, cred);
  return {
    ...(ssl === undefined ? {} : { ssl }),
    host,
    port,
    database,
    user: cred.username,
    password: cred.password,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: 10_000,
    // Server-side timestamps are rendered in UTC so watermarks compare as text (the zone probe
    // alone keeps the server's, to see what an application session gets).
    options: [serverZone ? '-c DateStyle=ISO' : '-c TimeZone=UTC -c DateStyle=ISO', target.readOnly ? '-c default_transaction_read_only=on' : ''].join(' ').trim(),
  };
}

/** A session that could not be opened, naming which server (its target's label) it was for. */
export class PgConnectError extends Error {
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super(`${target}: cannot connect: ${(cause as Error).message}`, { cause });
  }
}

/** The warehouse could not be reached: no one source's fault, so a source's planning does not take it as its own failure. */
export function isWarehouseUnreachable(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof PgConnectError && e.target === 'warehouse') return true;
  return false;
}

/**
 * A connected client; the caller ends it. `serverZone`: the session keeps the TimeZone the
 * server, database and role give it, instead of UTC.
 */
export async function connectPg(target: PgTarget, secrets: SecretProvider, serverZone = false): Promise<pg.Client> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client(await clientConfig(target, await secrets.get(target.secret), serverZone));
    // A server that goes away between queries makes the client emit 'error'; unheard, that
    // would crash the worker. The failure reaches the caller through its next (or pending) query.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      const code = (err as { code?: string }).code;
      if (code && AUTH_FAILED.has(code) && attempt === 0) {
        secrets.refresh(target.secret);
        continue;
      }
      throw new PgConnectError(target.label, err);
    }
  }
}

/** Idle sessions kept per server and credentials, and how long (they never keep a process alive). */
const POOL_IDLE_MS = 30_000;
/** Far above what a worker's bounded activities open at once: the pool reuses, it does not throttle. */
const POOL_MAX = 64;

const pools = new Map<string, pg.Pool>();

/** One pool per server, credentials and TLS material: a rotated secret or certificate gets a new pool, the old one drains. */
function poolFor(config: pg.ClientConfig): pg.Pool {
  const key = createHash('sha256').update(JSON.stringify([config.host, config.port, config.database, config.user, config.password, config.options, config.ssl])).digest('hex');
  let pool = pools.get(key);
  if (!pool) {
    pool = new pg.Pool({ ...config, max: POOL_MAX, idleTimeoutMillis: POOL_IDLE_MS, allowExitOnIdle: true });
    // An idle session the server ends (restart, failover) is dropped from the pool; nothing to throw.
    pool.on('error', () => undefined);
    pools.set(key, pool);
  }
  return pool;
}

async function pooledPg(target: PgTarget, secrets: SecretProvider): Promise<pg.PoolClient> {
  for (let attempt = 0; ; attempt++) {
    const config = await clientConfig(target, await secrets.get(target.secret));
    try {
      const client = await poolFor(config).connect();
      // The pool listens only while a session is idle. In use, a server that goes away must not
      // crash the worker: the failure reaches the caller through its query. One listener per use.
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      return client;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code && AUTH_FAILED.has(code) && attempt === 0) {
        secrets.refresh(target.secret);
        continue;
      }
      throw new PgConnectError(target.label, err);
    }
  }
}

/**
 * Runs `fn` with a pooled session. The session goes back to the pool only when `fn` succeeded
 * and DISCARD ALL reset it (settings, temp tables, an open transaction fails it); otherwise it
 * is closed, so a broken COPY or an aborted statement never reaches the next user.
 */
export async function withPg<T>(target: PgTarget, secrets: SecretProvider, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await pooledPg(target, secrets);
  let reusable = false;
  try {
    const result = await fn(client);
    reusable = await client.query('DISCARD ALL').then(
      () => true,
      () => false,
    );
    return result;
  } finally {
    client.release(!reusable);
  }
}

/** Closes every pooled session (a CLI or test that wants its process to end at once). */
export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end().catch(() => undefined)));
}

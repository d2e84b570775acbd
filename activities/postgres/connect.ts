// Opens PostgreSQL connections (sources and the PostgreSQL warehouse) from config + secret.
// On an authentication failure the secret is fetched again once, so a rotated password is
// picked up without restarting the worker.
import pg from 'pg';
import type { SecretProvider } from '../secrets/provider.js';

export interface PgTarget {
  /** Names the server in errors: "source app/us" or "warehouse". */
  label: string;
  host?: string;
  port?: number;
  database?: string;
  secret: string;
}

/** Our sessions say who they are, so the safe upper bound can ignore our own read-only transactions. */
export const APPLICATION_NAME = 'tributary';

const AUTH_FAILED = new Set(['28P01', '28000']);

function clientConfig(target: PgTarget, cred: Awaited<ReturnType<SecretProvider['get']>>): pg.ClientConfig {
  const host = target.host ?? cred.host;
  const port = target.port ?? (cred.port === undefined ? undefined : Number(cred.port));
  const database = target.database ?? cred.dbname;
  if (!host || !port || !database || !cred.username) {
    throw new Error(`${target.label}: host, port, database and username must come from the config or from secret "${target.secret}"`);
  }
  return {
    host,
    port,
    database,
    user: cred.username,
    password: cred.password,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: 10_000,
    // Server-side timestamps are rendered in UTC so watermarks compare as text.
    options: '-c TimeZone=UTC -c DateStyle=ISO',
  };
}

/** A connected client; the caller ends it. */
export async function connectPg(target: PgTarget, secrets: SecretProvider): Promise<pg.Client> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client(clientConfig(target, await secrets.get(target.secret)));
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
      throw new Error(`${target.label}: cannot connect: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Runs `fn` with a fresh connection and always closes it. */
export async function withPg<T>(target: PgTarget, secrets: SecretProvider, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectPg(target, secrets);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

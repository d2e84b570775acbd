// withPg's pooled sessions (activities/pg/connect.ts), on the local source PostgreSQL: a
// session is reused only after a use that succeeded and was reset, so nothing one use leaves
// behind (a setting, a temp table, an open or failed transaction, a lock) reaches the next, and
// a session the server ended is replaced.
import { afterAll, expect, it } from 'vitest';
import type pg from 'pg';
import { closePools, withPg } from '../../activities/pg/connect.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { sourceTarget } from '../../activities/sources/postgres/target.js';
import { postgresEndpoints } from '../../config/resolve.js';
import { STACK, stackConfig, withClient } from './stack.js';

const config = stackConfig([]);
const secrets = createSecretProvider(config.secrets);
const target = sourceTarget(postgresEndpoints(config, 'app', 'us')[0]!);
const use = <T>(fn: (c: pg.Client) => Promise<T>) => withPg(target, secrets, fn);
const pid = (c: pg.Client) => c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => r.rows[0]!.pid);

afterAll(closePools);

it('reuses a session after a use that succeeded, reset: no setting, temp table, lock or prepared statement carries over', async () => {
  const first = await use(async (c) => {
    await c.query(`SET statement_timeout = '1234ms'`);
    // A source session is read-only; turned off here, it must come back on after the reset.
    await c.query('SET default_transaction_read_only = off');
    await c.query('CREATE TEMP TABLE carried (x int)');
    await c.query('SELECT pg_advisory_lock(4242)');
    await c.query({ name: 'carried_stmt', text: 'SELECT 1' });
    return pid(c);
  });
  const second = await use(async (c) => {
    const settings = await c.query<{ timeout: string; zone: string; app: string; readOnly: string }>(
      `SELECT current_setting('statement_timeout') AS timeout, current_setting('TimeZone') AS zone, current_setting('application_name') AS app,
              current_setting('default_transaction_read_only') AS "readOnly"`,
    );
    const temp = await c.query(`SELECT 1 FROM pg_class WHERE relname = 'carried' AND relpersistence = 't'`);
    const locks = await c.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND pid = pg_backend_pid()', ['advisory']);
    const prepared = await c.query('SELECT 1 FROM pg_prepared_statements');
    return { pid: await pid(c), settings: settings.rows[0], temp: temp.rowCount, locks: locks.rowCount, prepared: prepared.rowCount };
  });
  expect(second.pid).toBe(first);
  // The connection's own settings (TimeZone=UTC, the application name, read-only) survive the reset.
  expect(second).toMatchObject({ settings: { timeout: '0', zone: 'UTC', app: 'tributary', readOnly: 'on' }, temp: 0, locks: 0, prepared: 0 });
});

it('closes a session whose use failed or left a transaction open, instead of handing it on', async () => {
  const failed = await use(async (c) => {
    const p = await pid(c);
    await c.query('BEGIN');
    await c.query('SELECT 1/0').catch(() => undefined);
    throw new Error(`use of ${p} failed`);
  }).catch((err: Error) => Number(/use of (\d+)/.exec(err.message)![1]));
  const open = await use(async (c) => {
    await c.query('BEGIN');
    return pid(c);
  });
  const next = await use(async (c) => ({ pid: await pid(c), inTransaction: (await c.query(`SELECT now() <> statement_timestamp() AS t`)).rows[0] as { t: boolean } }));
  expect(next.pid).not.toBe(failed);
  expect(next.pid).not.toBe(open);
  expect(next.inTransaction.t).toBe(false);
  const gone = await withClient(STACK.source.us!, (c) => c.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [[failed, open]]));
  expect(gone.rowCount).toBe(0);
});

it('replaces an idle session the server ended', async () => {
  const before = await use(pid);
  await withClient(STACK.source.us!, (c) => c.query('SELECT pg_terminate_backend($1)', [before]));
  // The pool hears of the end on its idle session and drops it.
  await new Promise((r) => setTimeout(r, 200));
  const after = await use(pid);
  expect(after).not.toBe(before);
});

// The local PostgreSQL servers as the pipelines use them: least-privilege roles, logical WAL,
// and the safe upper bound that keeps fact pulls from skipping late commits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDeps } from '../../activities/deps.js';
import { connectPg, withPg } from '../../activities/pg/connect.js';
import { SecretProvider } from '../../activities/secrets/provider.js';
import { envSecrets } from '../../activities/secrets/env.js';
import { chunkBoundariesSql } from '../../activities/sources/postgres/watermark-sql.js';
import { boundSql, type BoundRow } from '../../activities/sources/postgres/bound-sql.js';
import { STACK, connect, stackConfig, uniqueName, withClient } from './stack.js';
import { createReaderRole, dropRole } from './source-role.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('pgtest');
const config = stackConfig([]);
const deps = createDeps(config);
const reader = { label: 'source app/us', secret: 'app-us' };
/** A reader granted pg_read_all_stats, for the bound's visible-transaction mode (docs/watermarks.md). */
const statsRole = uniqueName('tributary_stats');
const statsPassword = `stats-${uniqueName('pw')}`;
const statsReader = { label: 'source app/us (pg_read_all_stats)', secret: 'stats' };
const sourceUrl = new URL(STACK.source.us!);
const statsSecrets = new SecretProvider(
  envSecrets('T_', { T_STATS: JSON.stringify({ host: sourceUrl.hostname, port: Number(sourceUrl.port), dbname: 'app', username: statsRole, password: statsPassword }) }),
  60_000,
);

beforeAll(async () => {
  await withClient(STACK.source.us!, (c) => c.query(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, v text)`));
  await createReaderRole('us', statsRole, statsPassword, [table], { readAllStats: true });
});
afterAll(async () => {
  await dropRole('us', statsRole);
  await withClient(STACK.source.us!, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(table)}`));
});

describe('postgres sources and warehouse', () => {
  it('runs with wal_level=logical on every server', async () => {
    for (const url of [...Object.values(STACK.source), STACK.warehouse]) {
      const r = await withClient(url, (c) => c.query<{ wal_level: string }>('SHOW wal_level'));
      expect(r.rows[0]!.wal_level).toBe('logical');
    }
  });

  it('gives the source secret read-only access', async () => {
    await withPg(reader, deps.secrets, async (c) => {
      expect((await c.query(`SELECT count(*)::int AS n FROM public.${ident(table)}`)).rows[0]).toEqual({ n: 0 });
      await expect(c.query(`INSERT INTO public.${ident(table)} VALUES (1, 'x')`)).rejects.toThrow(/permission denied|read-only transaction/);
    });
    // The stack's reader role: no REPLICATION, no pg_read_all_stats, read-only by default.
    for (const region of Object.keys(STACK.source)) {
      const role = await withClient(STACK.source[region]!, (c) =>
        c.query(
          `SELECT rolreplication, rolsuper, pg_has_role('tributary_reader', 'pg_read_all_stats', 'MEMBER') AS stats, rolconfig
             FROM pg_roles WHERE rolname = 'tributary_reader'`,
        ),
      );
      expect(role.rows, `tributary_reader on source ${region}`).toEqual([{ rolreplication: false, rolsuper: false, stats: false, rolconfig: ['default_transaction_read_only=on'] }]);
    }
  });

  it('gives the warehouse secret read-write access', async () => {
    await withPg({ label: 'warehouse', secret: 'warehouse' }, deps.secrets, async (c) => {
      const s = uniqueName('wtest');
      await c.query(`CREATE SCHEMA ${ident(s)}`);
      await c.query(`CREATE TABLE ${ident(s)}.t (id int)`);
      await c.query(`INSERT INTO ${ident(s)}.t VALUES (1)`);
      await c.query(`DROP SCHEMA ${ident(s)} CASCADE`);
    });
  });

  it('names the server and never the password when authentication fails', async () => {
    const wrong = JSON.stringify({ host: '127.0.0.1', port: Number(new URL(STACK.source.us!).port), dbname: 'app', username: 'tributary_reader', password: 'not-the-password-42' });
    const secrets = new SecretProvider(envSecrets('T_', { T_WRONG: wrong }), 60_000);
    const err = await connectPg({ label: 'source app/us', secret: 'wrong' }, secrets).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^source app\/us: cannot connect: password authentication failed for user "tributary_reader"/);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err)) + String((err as Error).stack)).not.toContain('not-the-password-42');
  });

  it('stops the safe upper bound below a transaction that is still open, for a role with pg_read_all_stats', async () => {
    const open = await connect(STACK.source.us!);
    try {
      await open.query('BEGIN');
      await open.query(`INSERT INTO public.${ident(table)} VALUES (1, 'in flight')`);
      const started = (await open.query<{ t: string }>(`SELECT to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`)).rows[0]!.t;
      await new Promise((r) => setTimeout(r, 300));
      const hi = await withPg(statsReader, statsSecrets, async (c) => (await c.query<BoundRow>(boundSql(), [0, 'UTC'])).rows[0]!.instant);
      expect(hi).toBe(started);
      await open.query('ROLLBACK');
      const after = await withPg(statsReader, statsSecrets, async (c) => (await c.query<BoundRow>(boundSql(), [0, 'UTC'])).rows[0]!.instant);
      expect(after > started).toBe(true);
    } finally {
      await open.end();
    }
  });

  it('finds fact chunk boundaries every n rows in (watermark, key) order, ties on the watermark included', async () => {
    const t = uniqueName('chunks');
    await withClient(STACK.source.us!, async (c) => {
      // 1,000 rows, ten per watermark value; key order differs from insertion order.
      await c.query(`CREATE TABLE public.${ident(t)} AS SELECT (1000 - g) AS id, timestamptz '2026-01-01' + (g / 10) * interval '1 second' AS at FROM generate_series(0, 999) g`);
      await c.query(`CREATE INDEX ON public.${ident(t)} (at, id)`);
      const range = { schema: 'public', table: t, watermark: 'at', type: 'timestamp with time zone' as const, key: [{ name: 'id', type: 'integer' }], from: '2026-01-01T00:00:03.000000Z', to: '2026-01-01T00:01:30.000000Z' };
      try {
        for (const n of [1, 7, 100, 870, 871, 5000]) {
          const got = (await c.query<{ wm: string; k0: string }>(chunkBoundariesSql(range), [n])).rows.map((r) => `${r.wm}/${r.k0}`);
          // Reference: number the rows of the range, every n-th but the last.
          const want = (
            await c.query<{ b: string }>(
              `SELECT to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '/' || id AS b FROM (
                 SELECT at, id, row_number() OVER (ORDER BY at, id) AS rn, count(*) OVER () AS total FROM public.${ident(t)}
                  WHERE at >= '2026-01-01T00:00:03Z' AND at < '2026-01-01T00:01:30Z') x
                WHERE rn % $1 = 0 AND rn < total ORDER BY rn`,
              [n],
            )
          ).rows.map((r) => r.b);
          expect(got, `every ${n} rows`).toEqual(want);
        }
        expect((await c.query(chunkBoundariesSql(range), [100])).rows).toHaveLength(8); // 870 rows in range
      } finally {
        await c.query(`DROP TABLE public.${ident(t)}`);
      }
    });
  });
});

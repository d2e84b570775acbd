// Every pull kind with exactly the grants docs/security.md lists for a source reader: CONNECT on
// the database, USAGE on the schema, SELECT on the tables; no REPLICATION, no pg_read_all_stats,
// no other role membership. A fact, a dimension and an incremental dimension load, pick up
// inserts, updates and deletes, and end equal to the source. Source sessions are read-only by
// themselves: even a superuser's secret cannot write through one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDeps } from '../../activities/deps.js';
import { withPg } from '../../activities/pg/connect.js';
import { sourceTarget } from '../../activities/sources/postgres/target.js';
import { postgresEndpoints, targetTable } from '../../config/resolve.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema, expectWarehouseEqualsSource } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { createReaderRole, dropRole, secretsFileFor } from './source-role.js';

const { escapeIdentifier: ident } = pg;
const role = uniqueName('tributary_lp');
const password = `lp-${uniqueName('pw')}`;
const tables = { fact: uniqueName('lp_fact'), dim: uniqueName('lp_dim'), inc: uniqueName('lp_inc') };
const COLS = ['id', 'v', 'updated_at'];
const common = { source: 'app', key: ['id'], regions: ['us'] };
const config = stackConfig([
  { ...common, name: 'lp_fact', kind: 'fact', table: `public.${tables.fact}`, watermark: 'updated_at', options: { lagSeconds: 0, lookbackSeconds: 5 } },
  { ...common, name: 'lp_dim', kind: 'dimension', table: `public.${tables.dim}`, options: { deletes: 'hard' } },
  { ...common, name: 'lp_inc', kind: 'dimension', table: `public.${tables.inc}`, options: { deletes: 'hard', incremental: { column: 'updated_at', lagSeconds: 0 } } },
]);
const src = (sql: string) => withClient(STACK.source.us!, (c) => c.query(sql));
let h: Harness;

beforeAll(async () => {
  for (const t of Object.values(tables)) {
    await src(`CREATE TABLE public.${ident(t)} (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL DEFAULT now())`);
    await src(`INSERT INTO public.${ident(t)} (id, v, updated_at) SELECT g, 'v' || g, now() - interval '1 hour' FROM generate_series(1, 2000) g`);
  }
  await createReaderRole('us', role, password, Object.values(tables));
  config.secrets = { provider: 'file', path: secretsFileFor('us', role, password), ttlSeconds: 3_600 };
  h = await startHarness(config, ['us']);
});

afterAll(async () => {
  await h?.close();
  await dropRole('us', role);
  for (const t of Object.values(tables)) await src(`DROP TABLE IF EXISTS public.${ident(t)}`);
  await dropSchema(config.warehouse.schema);
});

async function expectEqual(pipeline: string, table: string): Promise<void> {
  await expectWarehouseEqualsSource('us', table, targetTable(config, config.pipelines.find((p) => p.name === pipeline)!), COLS);
}

describe('a source reader with only the documented grants', () => {
  it('has no REPLICATION, no pg_read_all_stats and no other role', async () => {
    const r = await withClient(STACK.source.us!, (c) =>
      c.query(
        `SELECT rolreplication, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls,
                (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS memberships
           FROM pg_roles r WHERE rolname = $1`,
        [role],
      ),
    );
    expect(r.rows).toEqual([{ rolreplication: false, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false, memberships: 0 }]);
  });

  it('runs every pull kind to a warehouse equal to the source, inserts, updates and deletes included', async () => {
    expect(await h.run('lp_fact', 'us')).toMatchObject({ rowsStaged: 2000, inserted: 2000 });
    expect(await h.run('lp_dim', 'us')).toMatchObject({ rowsStaged: 2000, inserted: 2000 });
    expect(await h.run('lp_inc', 'us')).toMatchObject({ rowsStaged: 2000, inserted: 2000 });
    for (const t of Object.values(tables)) {
      await src(`UPDATE public.${ident(t)} SET v = 'changed', updated_at = now() WHERE id <= 50`);
      await src(`INSERT INTO public.${ident(t)} (id, v) SELECT g, 'new' FROM generate_series(2001, 2030) g`);
    }
    await src(`DELETE FROM public.${ident(tables.dim)} WHERE id BETWEEN 100 AND 109`);
    expect(await h.run('lp_fact', 'us')).toMatchObject({ inserted: 30, updated: 50 });
    expect(await h.run('lp_dim', 'us')).toMatchObject({ inserted: 30, updated: 50, deleted: 10 });
    expect(await h.run('lp_inc', 'us')).toMatchObject({ inserted: 30, updated: 50 });
    for (const [pipeline, table] of [['lp_fact', tables.fact], ['lp_dim', tables.dim], ['lp_inc', tables.inc]] as const) await expectEqual(pipeline, table);
  });

  it('reads through sessions that are read-only, whatever the role could do', async () => {
    const [endpoint] = postgresEndpoints(config, 'app', 'us');
    const superuser = new URL(STACK.source.us!);
    const file = secretsFileFor('us', decodeURIComponent(superuser.username), decodeURIComponent(superuser.password));
    const deps = createDeps({ ...config, secrets: { provider: 'file', path: file, ttlSeconds: 60 } });
    await withPg(sourceTarget(endpoint!), deps.secrets, async (c) => {
      expect((await c.query('SHOW default_transaction_read_only')).rows).toEqual([{ default_transaction_read_only: 'on' }]);
      await expect(c.query(`DELETE FROM public.${ident(tables.fact)}`)).rejects.toThrow(/cannot execute DELETE in a read-only transaction/);
    });
  });
});

// One region may have several source servers (cells). A server that is down, or lacks the
// table, fails on its own: the others are read, merged and checkpointed, and the run then
// fails with an error that names the failing source and says the others completed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('cell_orders');
const pipeline = (name: string, source: string) => ({ name, kind: 'fact', source, table: `public.${table}`, key: ['id'], watermark: 'updated_at', target: name, options: { lagSeconds: 0 } });
const config = stackConfig([pipeline('missing_table', 'cells'), pipeline('server_down', 'down')], {
  sources: {
    // Cell b points at a database of the same server that has no such table.
    cells: { type: 'postgres', servers: [{ region: 'us', cell: 'a', secret: 'app-us' }, { region: 'us', cell: 'b', secret: 'app-us', database: 'postgres' }] },
    // Cell b's server is not there at all.
    down: { type: 'postgres', servers: [{ region: 'us', cell: 'a', secret: 'app-us' }, { region: 'us', cell: 'b', secret: 'app-us', port: 1 }] },
  },
});
let h: Harness;

beforeAll(async () => {
  await withClient(STACK.source.us!, async (c) => {
    await c.query(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, amount int, updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
    await c.query(`INSERT INTO public.${ident(table)} (id, amount) SELECT g, g FROM generate_series(1, 1000) g`);
  });
  h = await startHarness(config, ['us']);
});

afterAll(async () => {
  await h?.close();
  await withClient(STACK.source.us!, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(table)}`));
  await dropSchema(config.warehouse.schema);
});

async function loaded(name: string) {
  const [schema, t] = targetTable(config, config.pipelines.find((p) => p.name === name)!);
  return withClient(STACK.warehouse, async (c) => {
    const rows = await c.query<{ _source: string; n: string }>(`SELECT _source, count(*) AS n FROM ${ident(schema)}.${ident(t)} GROUP BY 1 ORDER BY 1`);
    const checkpoints = await c.query<{ source: string }>(`SELECT DISTINCT source FROM ${ident(config.warehouse.schema)}.tributary_checkpoints WHERE pipeline = $1 ORDER BY 1`, [name]);
    return { rows: rows.rows, checkpoints: checkpoints.rows.map((r) => r.source) };
  });
}

describe('a failing source server', () => {
  it('that lacks the table fails alone: the other cell is loaded and checkpointed', async () => {
    const message = await failureOf(h.run('missing_table', 'us'));
    expect(message).toMatch(/^pipeline missing_table, region us: 1 of 2 source\(s\) failed \(1 completed and merged\): source cells\/us\/b: /);
    expect(message).toMatch(/table public\.cell_orders_\w+ does not exist/);
    expect(await loaded('missing_table')).toEqual({ rows: [{ _source: 'cells/us/a', n: '1000' }], checkpoints: ['cells/us/a'] });
  });

  it('that is down fails alone too, and the next run picks up where the healthy cell stopped', async () => {
    const message = await failureOf(h.run('server_down', 'us'));
    expect(message).toMatch(/^pipeline server_down, region us: 1 of 2 source\(s\) failed \(1 completed and merged\): source down\/us\/b: pipeline server_down, source down\/us\/b: cannot connect: .*ECONNREFUSED/);
    expect(await loaded('server_down')).toEqual({ rows: [{ _source: 'down/us/a', n: '1000' }], checkpoints: ['down/us/a'] });

    await withClient(STACK.source.us!, (c) => c.query(`UPDATE public.${ident(table)} SET amount = -amount, updated_at = now() WHERE id <= 10`));
    await failureOf(h.run('server_down', 'us'));
    const [schema, t] = targetTable(config, config.pipelines[1]!);
    const changed = await withClient(STACK.warehouse, (c) => c.query(`SELECT count(*)::int AS n FROM ${ident(schema)}.${ident(t)} WHERE amount < 0`));
    expect(changed.rows[0]).toEqual({ n: 10 });
  });
});

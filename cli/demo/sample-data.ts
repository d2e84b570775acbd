// Sample data for the demo: an `orders` fact table in each regional source, then a round of
// changes (updates and new rows) between the two runs. Uses the local stack's admin login.
import pg from 'pg';

export const ORDERS_DDL = `
  CREATE TABLE public.orders (
    id          bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    amount      numeric(12,2) NOT NULL,
    status      text NOT NULL,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX orders_updated_at ON public.orders (updated_at, id);`;

/** Admin URL of a region's source on the local stack (see infra/local/env.sh). */
export function adminUrl(region: string): string {
  const fromEnv = process.env[`TRIBUTARY_PG_SOURCE_${region.toUpperCase()}`];
  if (fromEnv) return fromEnv;
  const port = { us: 55432, eu: 55433 }[region];
  if (!port) throw new Error(`the demo has no local source for region "${region}"`);
  return `postgres://postgres:postgres@127.0.0.1:${port}/app`;
}

export function warehouseAdminUrl(): string {
  return process.env.TRIBUTARY_PG_WAREHOUSE ?? 'postgres://postgres:postgres@127.0.0.1:55434/warehouse';
}

export async function withUrl<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops a pipeline's target table and its state (checkpoints, ledger, offsets, dead letters), so the demo starts from nothing. */
export async function resetPipeline(client: pg.Client, stateSchema: string, target: [string, string], pipeline: string): Promise<void> {
  const { escapeIdentifier: ident } = pg;
  await client.query(`DROP TABLE IF EXISTS ${ident(target[0])}.${ident(target[1])}`);
  for (const table of ['tributary_checkpoints', 'tributary_batches', 'tributary_offsets', 'tributary_dead_letters']) {
    const state = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${ident(stateSchema)}.${table}`]);
    if (state.rows[0]?.t) await client.query(`DELETE FROM ${ident(stateSchema)}.${ident(table)} WHERE pipeline = $1`, [pipeline]);
  }
}

/** Recreates public.orders with `rows` rows whose updated_at spreads over the past day. */
export async function seedOrders(client: pg.Client, rows: number, seed: number): Promise<void> {
  await client.query('DROP TABLE IF EXISTS public.orders');
  await client.query(ORDERS_DDL);
  await client.query(
    `INSERT INTO public.orders (id, customer_id, amount, status, note, created_at, updated_at)
     SELECT g, 1 + (g * $2) % 5000, round(((g * 7919 + $2) % 100000) / 100.0, 2),
            (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4],
            CASE WHEN g % 10 = 0 THEN NULL ELSE 'order ' || g || E' with "quotes", commas\nand a newline' END,
            now() - interval '1 day' + g * interval '1 second' * (86000.0 / $1),
            now() - interval '1 day' + g * interval '1 second' * (86000.0 / $1)
       FROM generate_series(1, $1) g`,
    [rows, seed],
  );
}

/** Updates every `every`-th row and appends `newRows` rows; all stamped now(). */
export async function changeOrders(client: pg.Client, every: number, newRows: number): Promise<void> {
  await client.query(`UPDATE public.orders SET status = 'refunded', amount = amount + 1, updated_at = now() WHERE id % $1 = 0`, [every]);
  await client.query(
    `INSERT INTO public.orders (id, customer_id, amount, status)
     SELECT m + g, g % 5000, g, 'new' FROM (SELECT max(id) AS m FROM public.orders) x, generate_series(1, $1) g`,
    [newRows],
  );
}

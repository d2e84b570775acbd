// A fact table in both regional sources, changed the way applications change them, and the
// check every pipeline test ends with: warehouse == source by count and per-row checksum.
import { expect } from 'vitest';
import pg from 'pg';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { STACK, withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;
export const FACT_COLUMNS = ['id', 'customer_id', 'amount', 'status', 'note', 'payload', 'updated_at'];

/** A fact pipeline of `public.<table>` on `source`, in region us, keyed by id, its watermark updated_at. */
export function usFactPipeline(name: string, source: string, table: string, options: Record<string, unknown>) {
  return { name, kind: 'fact', source, table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options };
}

export async function createFactTable(region: string, table: string, rows: number): Promise<void> {
  await withClient(STACK.source[region]!, async (c) => {
    await c.query(`CREATE TABLE public.${ident(table)} (
      id bigint PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2), status text NOT NULL,
      note text, payload jsonb, updated_at timestamptz NOT NULL DEFAULT now())`);
    await c.query(`CREATE INDEX ON public.${ident(table)} (updated_at)`);
    await insertRows(c, table, 1, rows, "now() - interval '2 hours' + g * interval '1 millisecond'");
  });
}

/** Rows [from, from+count) with awkward values: NULLs, quotes, commas, newlines, unicode, jsonb. */
export async function insertRows(c: pg.Client, table: string, from: number, count: number, updatedAt = 'now()'): Promise<void> {
  await c.query(
    `INSERT INTO public.${ident(table)} (id, customer_id, amount, status, note, payload, updated_at)
     SELECT g, g % 97, CASE WHEN g % 11 = 0 THEN NULL ELSE (g % 10007) / 100.0 END, (ARRAY['new','paid','shipped'])[1 + g % 3],
            CASE WHEN g % 5 = 0 THEN NULL ELSE 'note ' || g || E', "quoted"\n≠ línea' END,
            jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 3)), ${updatedAt}
       FROM generate_series($1::bigint, $1::bigint + $2 - 1) g`,
    [from, count],
  );
}

export async function updateEvery(region: string, table: string, every: number): Promise<number> {
  return withClient(STACK.source[region]!, async (c) => {
    const r = await c.query(`UPDATE public.${ident(table)} SET status = 'refunded', amount = coalesce(amount, 0) + 1, updated_at = now() WHERE id % $1 = 0`, [every]);
    return r.rowCount ?? 0;
  });
}

/** `columns` defaults to the fact table's; a test with its own table names its columns. */
export async function expectWarehouseEqualsSource(
  region: string,
  table: string,
  target: [string, string],
  columns: string[] = FACT_COLUMNS,
): Promise<number> {
  const src = await withClient(STACK.source[region]!, (c) => tableChecksum(c, ['public', table], ['id'], columns));
  const dst = await withClient(STACK.warehouse, (c) => tableChecksum(c, target, ['id'], columns, region));
  expect(dst.rows, `${region}: warehouse row count`).toBe(src.rows);
  expect(dst.distinctKeys, `${region}: duplicate keys in the warehouse`).toBe(dst.rows);
  expect(dst.checksum, `${region}: per-row checksum`).toBe(src.checksum);
  return src.rows;
}

export async function dropFactTable(table: string): Promise<void> {
  for (const url of Object.values(STACK.source)) await withClient(url, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(table)}`));
}

export async function dropSchema(schema: string): Promise<void> {
  await withClient(STACK.warehouse, (c) => c.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`));
}

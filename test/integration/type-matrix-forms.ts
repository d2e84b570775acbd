// What the type-matrix tests compare of a table: per matrix column (c_*), the text form (::text),
// the output form (the type's output function, as COPY and Debezium write a value: char(n)
// padded, inet without a host's /32) and the canonical text of every row, read the same way on
// the source and in the warehouse.
import pg from 'pg';
import { tableColumns } from '../../activities/sources/postgres/columns.js';
import { canonicalText } from '../../types/render.js';
import { withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;

export interface Forms {
  text: (string | null)[];
  output: (string | null)[];
  canonical: (string | null)[];
}

/** Per matrix column, the text form and the canonical text of every row, ordered by id (timestamptz printed in UTC). */
export async function textForms(url: string, schema: string, tableName: string): Promise<Record<string, Forms>> {
  return withClient(url, async (c) => {
    await c.query(`SET TimeZone = 'UTC'`);
    const columns = await tableColumns(c, schema, tableName, `test ${schema}.${tableName}`);
    const out: Record<string, Forms> = {};
    for (const col of columns.filter((x) => x.name.startsWith('c_'))) {
      const ref = ident(col.name);
      const rows = (await c.query<{ text: string | null; output: string | null; canonical: string | null }>(`SELECT (${ref})::text AS text, CASE WHEN ${ref} IS NOT NULL THEN format('%s', ${ref}) END AS output, ${canonicalText(col, 'postgres', ref)} AS canonical FROM ${ident(schema)}.${ident(tableName)} ORDER BY id`)).rows;
      out[col.name] = { text: rows.map((r) => r.text), output: rows.map((r) => r.output), canonical: rows.map((r) => r.canonical) };
    }
    return out;
  });
}

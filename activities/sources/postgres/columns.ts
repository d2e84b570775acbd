// Column discovery on a PostgreSQL server: names and exact types (format_type), in table order.
import type pg from 'pg';
import { badInput } from '../../errors.js';
import type { ColumnSpec } from '../../specs/columns.js';

export async function tableColumns(client: pg.Client, schema: string, table: string, label: string): Promise<ColumnSpec[]> {
  const res = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass(quote_ident($1) || '.' || quote_ident($2))
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  );
  if (res.rows.length === 0) throw badInput(`${label}: table ${schema}.${table} does not exist or has no columns the reader can see`);
  return res.rows;
}

/**
 * Every column's type is built into PostgreSQL (its oid is below the first one a database
 * assigns), so its binary form reads back into the same type on another server.
 */
export async function builtinTypesOnly(client: pg.Client, schema: string, table: string): Promise<boolean> {
  const res = await client.query<{ builtin: boolean | null }>(
    `SELECT bool_and(a.atttypid < 16384) AS builtin
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass(quote_ident($1) || '.' || quote_ident($2)) AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, table],
  );
  return res.rows[0]?.builtin === true;
}

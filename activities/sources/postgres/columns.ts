// Column discovery on a PostgreSQL server: names and exact types (format_type), in table order,
// each with the warehouse type the type map gives it (a domain's base type, an enum as text, ...).
import type pg from 'pg';
import { badInput } from '../../errors.js';
import type { ColumnSpec } from '../../specs/columns.js';
import { sourceColumn, type TypeClass } from '../../../types/render.js';

// Follows domains and array elements down to the type under them (a domain over an array, an
// array of a domain); depth is capped, as a catalog's chain is short.
const COLUMNS_SQL = `
WITH RECURSIVE r(attnum, oid, typmod, arr, depth) AS (
  SELECT a.attnum, a.atttypid, a.atttypmod, false, 0
    FROM pg_attribute a
   WHERE a.attrelid = to_regclass(quote_ident($1) || '.' || quote_ident($2)) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT r.attnum, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END,
         CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE r.typmod END, r.arr OR t.typtype <> 'd', r.depth + 1
    FROM r JOIN pg_type t ON t.oid = r.oid
   WHERE (t.typtype = 'd' OR (t.typcategory = 'A' AND t.typelem <> 0 AND t.typlen = -1)) AND r.depth < 16
), root AS (
  SELECT DISTINCT ON (attnum) attnum, oid, typmod, arr FROM r ORDER BY attnum, depth DESC
)
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS declared,
       -- An extension's type installed in a schema off the search path, without that schema.
       CASE WHEN starts_with(f.root, quote_ident(n.nspname) || '.') THEN substr(f.root, length(quote_ident(n.nspname)) + 2) ELSE f.root END AS root,
       t.typtype AS "rootClass", root.oid < 16384 AS "rootBuiltin", root.arr AS array
  FROM pg_attribute a JOIN root ON root.attnum = a.attnum JOIN pg_type t ON t.oid = root.oid
  JOIN pg_namespace n ON n.oid = t.typnamespace, LATERAL (SELECT format_type(root.oid, root.typmod) AS root) f
 WHERE a.attrelid = to_regclass(quote_ident($1) || '.' || quote_ident($2))
 ORDER BY a.attnum`;

export async function tableColumns(client: pg.Client, schema: string, table: string, label: string): Promise<ColumnSpec[]> {
  const res = await client.query<{ name: string; declared: string; root: string; rootClass: TypeClass; rootBuiltin: boolean; array: boolean }>(COLUMNS_SQL, [schema, table]);
  if (res.rows.length === 0) throw badInput(`${label}: table ${schema}.${table} does not exist or has no columns the reader can see`);
  return res.rows.map((r) => sourceColumn(r.name, r));
}

/** Every column's warehouse type is the source's own (none kept as text or as a domain's base). */
export const sameTypesEverywhere = (columns: ColumnSpec[]) => columns.every((c) => c.sourceType === undefined);

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

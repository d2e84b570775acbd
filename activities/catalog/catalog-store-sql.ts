// The warehouse ledger tables of table sets: the catalog apply last read of each server (what
// every worker expands, so no run depends on a catalog read another did not see) and the
// pipelines retired because their table left the source (a note for status). Schema names
// are validated identifiers; everything else is bound.

const q = (schema: string) => `"${schema}"`;

export function catalogStoreTablesSql(schema: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q(schema)}`,
    `CREATE TABLE IF NOT EXISTS ${q(schema)}.tributary_table_catalogs (
      deployment text NOT NULL, server text NOT NULL, tables jsonb NOT NULL, read_at timestamptz NOT NULL,
      PRIMARY KEY (deployment, server))`,
    `CREATE TABLE IF NOT EXISTS ${q(schema)}.tributary_retired_pipelines (
      deployment text NOT NULL, pipeline text NOT NULL, table_set text NOT NULL, source_table text NOT NULL,
      target text NOT NULL, regions text NOT NULL, retired_at timestamptz NOT NULL,
      PRIMARY KEY (deployment, pipeline))`,
  ];
}

export const readCatalogsSql = (schema: string) => `SELECT server, tables, read_at FROM ${q(schema)}.tributary_table_catalogs WHERE deployment = $1 ORDER BY server`;

export const writeCatalogSql = (schema: string) =>
  `INSERT INTO ${q(schema)}.tributary_table_catalogs (deployment, server, tables, read_at) VALUES ($1, $2, $3::jsonb, now())
   ON CONFLICT (deployment, server) DO UPDATE SET tables = EXCLUDED.tables, read_at = EXCLUDED.read_at`;

export const retireSql = (schema: string) =>
  `INSERT INTO ${q(schema)}.tributary_retired_pipelines (deployment, pipeline, table_set, source_table, target, regions, retired_at)
   VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (deployment, pipeline) DO NOTHING`;

export const unretireSql = (schema: string) => `DELETE FROM ${q(schema)}.tributary_retired_pipelines WHERE deployment = $1 AND pipeline = ANY($2::text[])`;

export const readRetiredSql = (schema: string) =>
  `SELECT pipeline, table_set, source_table, target, regions, retired_at FROM ${q(schema)}.tributary_retired_pipelines WHERE deployment = $1 ORDER BY pipeline`;

export const storeExistsSql = `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'tributary_table_catalogs'`;

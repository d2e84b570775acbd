// What the expansion reads of one server's catalog: tables (partitions folded into their
// parent), their columns, primary key and unique indexes. Read by
// activities/catalog/read-catalog.ts, kept in the warehouse ledger by apply, and the only input
// the expansion has besides the config, so the same catalog always gives the same pipelines.

export interface CatalogColumn {
  name: string;
  /** As format_type prints it. */
  type: string;
  notNull: boolean;
  /** The leading column of a valid index without expressions or a predicate. */
  indexed: boolean;
}

export interface CatalogTable {
  schema: string;
  table: string;
  /** A partitioned table, read through its parent (its partitions are not tables of the catalog). */
  partitioned: boolean;
  /** The source's role has USAGE on the schema and SELECT on the table. */
  readable: boolean;
  columns: CatalogColumn[];
  /** The primary key's columns in key order, or null. */
  primaryKey: string[] | null;
  /** Valid unique indexes without expressions or a predicate whose columns are all NOT NULL, in index-name order. */
  uniqueKeys: string[][];
}

/** One server of a source as its catalog was read. */
export interface ServerCatalog {
  /** The endpoint id: "app/us" or "app/us/cell-1". */
  server: string;
  source: string;
  region: string;
  tables: CatalogTable[];
}

export const qualifiedName = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;

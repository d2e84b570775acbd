// A catalog row as the expansion reads it: which columns lead an index, the primary key, and
// the unique indexes whose columns are all NOT NULL. Pure.
import type { CatalogTable } from '../../config/table-sets/catalog.js';
import type { CatalogRow } from './catalog-sql.js';

export function catalogTable(row: CatalogRow): CatalogTable {
  const plain = row.indexes.filter((i) => i.plain && i.columns && i.columns.length > 0);
  const leading = new Set(plain.map((i) => i.columns![0]!));
  const notNull = new Set(row.columns.filter((c) => c.notNull).map((c) => c.name));
  const pk = row.indexes.find((i) => i.primary && i.columns);
  return {
    schema: row.schema,
    table: row.table,
    partitioned: row.partitioned,
    readable: row.readable,
    columns: row.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, indexed: leading.has(c.name) })),
    primaryKey: pk?.columns ?? null,
    uniqueKeys: plain.filter((i) => i.unique && !i.primary && i.columns!.every((c) => notNull.has(c))).map((i) => i.columns!),
  };
}

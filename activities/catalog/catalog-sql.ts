// The catalog query of one source server: ordinary and partitioned tables (never a partition),
// their columns, and the indexes a key or a watermark can use. One statement, one round trip.

/** $1: the schemas to read (text[]), or NULL for every schema but the system ones. */
export const CATALOG_SQL = `
select n.nspname as schema, c.relname as table, c.relkind = 'p' as partitioned,
  has_schema_privilege(n.oid, 'USAGE') and has_table_privilege(c.oid, 'SELECT') as readable,
  coalesce((select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull) order by a.attnum)
    from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]') as columns,
  coalesce((select json_agg(json_build_object(
      'name', ic.relname, 'primary', i.indisprimary, 'unique', i.indisunique,
      'plain', i.indexprs is null and i.indpred is null and i.indisvalid,
      'columns', (select json_agg(a.attname order by k.ord) from unnest(i.indkey[0:i.indnkeyatts - 1]) with ordinality k(attnum, ord)
                  join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum)) order by ic.relname)
    from pg_index i join pg_class ic on ic.oid = i.indexrelid where i.indrelid = c.oid), '[]') as indexes
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and not c.relispartition
  and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
  and ($1::text[] is null or n.nspname = any($1::text[]))
order by n.nspname, c.relname`;

export interface CatalogIndexRow {
  name: string;
  primary: boolean;
  unique: boolean;
  plain: boolean;
  columns: string[] | null;
}

export interface CatalogRow {
  schema: string;
  table: string;
  partitioned: boolean;
  readable: boolean;
  columns: { name: string; type: string; notNull: boolean }[];
  indexes: CatalogIndexRow[];
}

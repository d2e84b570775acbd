// The catalogs apply read, kept in the warehouse ledger per deployment and server, and the
// pipelines retired since. Apply writes both in one transaction; workers, status and run only
// read them. On the PostgreSQL warehouse (the config refuses table sets on another).
import type pg from 'pg';
import type { TributaryConfig } from '../../config/schema.js';
import type { CatalogTable, ServerCatalog } from '../../config/table-sets/catalog.js';
import type { ExpandedTable } from '../../config/table-sets/expansion.js';
import { withPg, type PgTarget } from '../pg/connect.js';
import type { SecretProvider } from '../secrets/provider.js';
import * as sql from './catalog-store-sql.js';

export interface StoredCatalog extends ServerCatalog {
  readAt: string;
}

export interface RetiredPipeline {
  pipeline: string;
  set: string;
  table: string;
  target: string;
  regions: string[];
  retiredAt: string;
}

function warehouseTarget(config: TributaryConfig): PgTarget {
  const w = config.warehouse;
  if (w.type !== 'postgres') throw new Error('table sets keep their catalogs in a postgres warehouse only (docs/table-sets.md)');
  return { label: 'warehouse', host: w.host, port: w.port, database: w.database, secret: w.secret };
}

const deployment = (config: TributaryConfig) => config.temporal.taskQueuePrefix;

async function exists(c: pg.Client, schema: string): Promise<boolean> {
  return Number((await c.query<{ n: number }>(sql.storeExistsSql, [schema])).rows[0]?.n ?? 0) > 0;
}

/** The stored catalog of every server (none before the first apply). Servers a config no longer has are skipped by the expansion. */
export async function readStoredCatalogs(config: TributaryConfig, secrets: SecretProvider): Promise<StoredCatalog[]> {
  const schema = config.warehouse.schema;
  return withPg(warehouseTarget(config), secrets, async (c) => {
    if (!(await exists(c, schema))) return [];
    const rows = (await c.query<{ server: string; tables: CatalogTable[]; read_at: Date }>(sql.readCatalogsSql(schema), [deployment(config)])).rows;
    return rows.map((r) => {
      const [source = '', region = ''] = r.server.split('/');
      return { server: r.server, source, region, tables: r.tables, readAt: r.read_at.toISOString() };
    });
  });
}

export async function readRetired(config: TributaryConfig, secrets: SecretProvider): Promise<RetiredPipeline[]> {
  const schema = config.warehouse.schema;
  return withPg(warehouseTarget(config), secrets, async (c) => {
    if (!(await exists(c, schema))) return [];
    const rows = (await c.query<{ pipeline: string; table_set: string; source_table: string; target: string; regions: string; retired_at: Date }>(sql.readRetiredSql(schema), [deployment(config)])).rows;
    return rows.map((r) => ({ pipeline: r.pipeline, set: r.table_set, table: r.source_table, target: r.target, regions: r.regions.split(','), retiredAt: r.retired_at.toISOString() }));
  });
}

/** Stores the catalogs just read and, in the same transaction, retires the pipelines that left and un-retires those back. */
export async function writeCatalogs(config: TributaryConfig, secrets: SecretProvider, catalogs: readonly ServerCatalog[], retired: readonly ExpandedTable[], live: readonly string[]): Promise<void> {
  const schema = config.warehouse.schema;
  const dep = deployment(config);
  await withPg(warehouseTarget(config), secrets, async (c) => {
    await c.query('BEGIN');
    try {
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', ['tributary:state']);
      for (const stmt of sql.catalogStoreTablesSql(schema)) await c.query(stmt);
      for (const cat of catalogs) await c.query(sql.writeCatalogSql(schema), [dep, cat.server, JSON.stringify(cat.tables)]);
      for (const x of retired) await c.query(sql.retireSql(schema), [dep, x.pipeline, x.set, `${x.schema}.${x.table}`, x.target, x.regions.join(',')]);
      await c.query(sql.unretireSql(schema), [dep, [...live]]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
  });
}

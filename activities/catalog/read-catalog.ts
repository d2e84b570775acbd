// Reads the catalog of every server a table set covers (I/O). A server that cannot be read is
// reported, not fatal: its tables are neither planned nor retired on a failed read.
import { postgresEndpoints } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { ServerCatalog } from '../../config/table-sets/catalog.js';
import { literalSchemas } from '../../config/table-sets/glob.js';
import { withPg } from '../pg/connect.js';
import type { SecretProvider } from '../secrets/provider.js';
import { sourceTarget } from '../sources/postgres/target.js';
import { catalogTable } from './catalog-rows.js';
import { CATALOG_SQL, type CatalogRow } from './catalog-sql.js';

export interface CatalogReadFailure {
  server: string;
  source: string;
  region: string;
  error: string;
}

export interface CatalogRead {
  catalogs: ServerCatalog[];
  failures: CatalogReadFailure[];
}

/** The servers of every table set (each once), with the schemas their sets can match (null: any). */
export function catalogServers(config: TributaryConfig) {
  const servers = new Map<string, { endpoint: ReturnType<typeof postgresEndpoints>[number]; schemas: Set<string> | null }>();
  for (const set of config.tableSets) {
    const src = config.sources[set.source];
    if (src?.type !== 'postgres') continue;
    const regions = set.regions ?? [...new Set(src.servers.map((s) => s.region))];
    const schemas = literalSchemas(set.include);
    for (const e of regions.flatMap((r) => postgresEndpoints(config, set.source, r))) {
      const had = servers.get(e.id);
      const merged = had === undefined ? (schemas ? new Set(schemas) : null) : had.schemas === null || schemas === null ? null : new Set([...had.schemas, ...schemas]);
      servers.set(e.id, { endpoint: e, schemas: merged });
    }
  }
  return [...servers.values()];
}

export async function readCatalogs(config: TributaryConfig, secrets: SecretProvider): Promise<CatalogRead> {
  const read: CatalogRead = { catalogs: [], failures: [] };
  await Promise.all(
    catalogServers(config).map(async ({ endpoint: e, schemas }) => {
      try {
        const rows = await withPg(sourceTarget(e), secrets, async (c) => (await c.query<CatalogRow>(CATALOG_SQL, [schemas ? [...schemas].sort() : null])).rows);
        read.catalogs.push({ server: e.id, source: e.source, region: e.region, tables: rows.map(catalogTable) });
      } catch (err) {
        read.failures.push({ server: e.id, source: e.source, region: e.region, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  read.catalogs.sort((a, b) => (a.server < b.server ? -1 : 1));
  return read;
}

// Table sets at apply and plan: read every server's catalog, expand against it (servers that
// could not be read keep the catalog apply stored last, so a failed read never retires their
// tables), and say what is new, what is gone, what was left out and why. Apply stores the
// catalogs and the retired pipelines; plan only reads.
import { readCatalogs, type CatalogReadFailure } from '../activities/catalog/read-catalog.js';
import { readRetired, readStoredCatalogs, writeCatalogs, type RetiredPipeline } from '../activities/catalog/catalog-store.js';
import type { SecretProvider } from '../activities/secrets/provider.js';
import type { TributaryConfig } from '../config/schema.js';
import type { ServerCatalog } from '../config/table-sets/catalog.js';
import { expandConfig, type ConfigExpansion } from '../config/table-sets/expand-config.js';
import type { ExpandedTable } from '../config/table-sets/expansion.js';

export interface TableSetDiscovery {
  expansion: ConfigExpansion;
  failures: CatalogReadFailure[];
  /** Pipelines the stored catalogs did not give and these do. */
  added: string[];
  /** Pipelines the stored catalogs gave and these do not: their schedules go, their tables stay. */
  retired: ExpandedTable[];
  /** Every pipeline retired so far (after this discovery when it was stored). */
  retiredBefore: RetiredPipeline[];
  stored: boolean;
}

export async function discoverTableSets(config: TributaryConfig, secrets: SecretProvider, opts: { store: boolean }): Promise<TableSetDiscovery> {
  const [fresh, stored, retiredBefore] = await Promise.all([readCatalogs(config, secrets), readStoredCatalogs(config, secrets), readRetired(config, secrets)]);
  const failed = new Set(fresh.failures.map((f) => f.server));
  const merged: ServerCatalog[] = [...fresh.catalogs, ...stored.filter((s) => failed.has(s.server))];
  const before = expandConfig(config, stored);
  const expansion = expandConfig(config, merged);
  const now = new Set(expansion.sets.flatMap((s) => s.tables.map((t) => t.pipeline)));
  const then = new Set(before.sets.flatMap((s) => s.tables.map((t) => t.pipeline)));
  const added = [...now].filter((p) => !then.has(p)).sort();
  const retired = before.sets.flatMap((s) => s.tables).filter((t) => !now.has(t.pipeline));
  if (opts.store) await writeCatalogs(config, secrets, fresh.catalogs, retired, [...now]);
  return { expansion, failures: fresh.failures, added, retired, retiredBefore, stored: opts.store };
}

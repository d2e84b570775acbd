// The config as workers, status and run see it: the hand-written pipelines and every table
// set expanded against the catalogs apply stored. Never a source catalog read: a run sees what
// apply saw, whichever worker runs it.
import type { TributaryConfig } from '../../config/schema.js';
import { expandConfig, type ConfigExpansion } from '../../config/table-sets/expand-config.js';
import type { SecretProvider } from '../secrets/provider.js';
import { readStoredCatalogs } from './catalog-store.js';

export async function storedExpansion(config: TributaryConfig, secrets: SecretProvider): Promise<ConfigExpansion> {
  if (config.tableSets.length === 0) return { sets: [], config };
  return expandConfig(config, await readStoredCatalogs(config, secrets));
}

export async function expandedConfig(config: TributaryConfig, secrets: SecretProvider): Promise<TributaryConfig> {
  return (await storedExpansion(config, secrets)).config;
}

/**
 * Puts the stored expansion's pipelines into `live` in place (a worker's config, shared by its
 * activities): a pipeline another apply added is found without a restart, one it removed goes.
 */
export async function refreshPipelines(declared: TributaryConfig, live: TributaryConfig, secrets: SecretProvider): Promise<void> {
  const next = await expandedConfig(declared, secrets);
  live.pipelines.splice(0, live.pipelines.length, ...next.pipelines);
}

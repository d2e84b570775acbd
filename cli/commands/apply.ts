import { connectClient } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { applySchedules } from '../../schedules/index.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { discoverTableSets } from '../../client/table-sets.js';
import { table } from '../output.js';
import { planText } from './plan.js';

/** `tributary apply [--dry-run] [--json]`: makes the Temporal schedules match the config. Exit 1 if any schedule failed or conflicts. */
export async function apply(declared: TributaryConfig, dryRun: boolean, json: boolean): Promise<number> {
  // Table sets: the catalogs are read and stored first (not on a dry run), and the schedules
  // follow the expansion: new tables get theirs, gone ones lose theirs.
  const sets = declared.tableSets.length ? await discoverTableSets(declared, createSecretProvider(declared.secrets), { store: !dryRun }) : undefined;
  const config = sets?.expansion.config ?? declared;
  if (sets && !json) console.error(planText(sets));
  const client = await connectClient(config);
  try {
    const result = await applySchedules(client, config, { dryRun });
    if (json) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      console.log(
        table(
          ['schedule', 'action', 'when', 'paused', 'detail'],
          result.rows.map((r) => [r.id, r.error ? `${r.action} FAILED` : r.action, r.schedule ?? '', r.paused ? 'yes' : 'no', r.error ?? r.detail ?? '']),
        ),
      );
      if (dryRun) console.error('dry run: nothing was changed');
    }
    return result.rows.some((r) => r.error !== undefined || r.action === 'conflict') || (sets?.failures.length ?? 0) > 0 ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

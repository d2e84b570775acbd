import { connectClient } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { applyCaptures, type CaptureRow } from '../../activities/managed-cdc/reconcile.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { closePools } from '../../activities/pg/connect.js';
import { applySchedules } from '../../schedules/index.js';
import { discoverTableSets } from '../../client/table-sets.js';
import { table } from '../output.js';
import { planText } from './plan.js';

/**
 * `tributary apply [--dry-run] [--drop-slot] [--json]`: brings managed CDC (publications, topics,
 * Debezium connectors) and then the Temporal schedules in step with the config. Exit 1 if any
 * schedule or capture failed or conflicts, or a table set's catalog could not be read.
 */
export async function apply(declared: TributaryConfig, dryRun: boolean, json: boolean, dropSlot = false): Promise<number> {
  // Table sets: the catalogs are read and stored first (not on a dry run), and the schedules
  // follow the expansion: new tables get theirs, gone ones lose theirs.
  const sets = declared.tableSets.length ? await discoverTableSets(declared, createSecretProvider(declared.secrets), { store: !dryRun }) : undefined;
  const config = sets?.expansion.config ?? declared;
  if (sets && !json) console.error(planText(sets));
  const captures = await capturesOf(config, dryRun, dropSlot);
  const client = await connectClient(config);
  try {
    const result = await applySchedules(client, config, { dryRun });
    if (json) {
      console.log(JSON.stringify(captures.length ? { ...result, captures } : result, null, 2));
    } else {
      if (captures.length) {
        console.log(table(['capture', 'region', 'connector', 'action', 'detail'], captures.map((r) => [r.capture, r.region, r.connector, r.action, [r.error, r.detail].filter(Boolean).join('; ')])));
      }
      console.log(
        table(
          ['schedule', 'action', 'when', 'paused', 'detail'],
          result.rows.map((r) => [r.id, r.error ? `${r.action} FAILED` : r.action, r.schedule ?? '', r.paused ? 'yes' : 'no', r.error ?? r.detail ?? '']),
        ),
      );
      if (dryRun) console.error('dry run: nothing was changed');
    }
    const capturesFailed = captures.some((r) => r.action === 'failed' || r.action === 'conflict');
    return capturesFailed || result.rows.some((r) => r.error !== undefined || r.action === 'conflict') || (sets?.failures.length ?? 0) > 0 ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

/** Managed CDC first: a new table's topic and connector exist before its schedule fires. */
async function capturesOf(config: TributaryConfig, dryRun: boolean, dropSlot: boolean): Promise<CaptureRow[]> {
  try {
    return await applyCaptures(config, createSecretProvider(config.secrets), { dryRun, dropSlot });
  } finally {
    await closePools();
  }
}

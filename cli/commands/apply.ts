import { connectClient } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { applySchedules } from '../../schedules/index.js';
import { table } from '../output.js';

/** `tributary apply [--dry-run] [--json]`: makes the Temporal schedules match the config. Exit 1 if any schedule failed or conflicts. */
export async function apply(config: TributaryConfig, dryRun: boolean, json: boolean): Promise<number> {
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
    return result.rows.some((r) => r.error !== undefined || r.action === 'conflict') ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

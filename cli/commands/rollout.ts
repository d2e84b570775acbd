import { connectClient } from '../../client/run-pipeline.js';
import { rollout as rolloutBuild } from '../../client/rollout.js';
import type { TributaryConfig } from '../../config/schema.js';
import { table, UsageError } from '../output.js';

/** `tributary rollout --build-id B [--region R] [--wait S]`: new runs move to build B. */
export async function rollout(config: TributaryConfig, buildId: string, region: string | undefined, wait: string | undefined, json: boolean): Promise<number> {
  const seconds = wait === undefined ? 120 : Number(wait);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) throw new UsageError('--wait takes whole seconds from 0 to 3600');
  const client = await connectClient(config);
  try {
    const results = await rolloutBuild(client, config, buildId, { region, timeoutMs: seconds * 1000 });
    if (json) console.log(JSON.stringify(results, null, 2));
    else console.log(table(['region', 'deployment', 'current build', 'before'], results.map((r) => [r.region, r.deployment, r.buildId, r.previous ?? '(unversioned)'])));
    return 0;
  } finally {
    await client.connection.close();
  }
}

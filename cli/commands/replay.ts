// `tributary replay PIPELINE --region R [--since T] [--until T] [--dry-run]`: merges again the
// batches that past runs staged, straight from the stage, without reading the source again (e.g.
// after a bad fix in the warehouse), through a replayPipeline workflow on the region's worker
// (client/replay.ts says what holds).
import { connectClient } from '../../client/run-pipeline.js';
import { replayStaged, type ReplayOptions } from '../../client/replay.js';
import type { TributaryConfig } from '../../config/schema.js';

export async function replay(config: TributaryConfig, opts: ReplayOptions, json: boolean): Promise<number> {
  const client = await connectClient(config);
  try {
    const batches = await replayStaged(client, config, opts);
    if (json) {
      console.log(JSON.stringify(batches, null, 2));
    } else {
      if (batches.length === 0) console.log(`no staged batches found for ${opts.pipeline} in ${opts.region} in that time range`);
      for (const b of batches) {
        const what = b.missing.length
          ? `NOT merged: ${b.missing.length} file(s) no longer in the stage`
          : b.result
            ? b.result.alreadyCommitted
              ? 'nothing to merge: the ledger holds it already'
              : `merged: ${b.result.inserted} inserted, ${b.result.updated} updated, ${b.result.unchanged} unchanged, ${b.result.deleted} deleted`
            : 'would be merged';
        console.log(`${b.batchId}  ${b.rows} rows in ${b.files} file(s)  ${what}`);
      }
    }
    return batches.some((b) => b.missing.length > 0) ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

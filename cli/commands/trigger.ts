import { connectClient } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { triggerSchedule } from '../../schedules/index.js';
import { table } from '../output.js';

/** `tributary trigger PIPELINE [--region R]`: the schedule fires now, unless a run of it is in flight (overlap SKIP). */
export async function trigger(config: TributaryConfig, pipeline: string, region: string | undefined, json: boolean): Promise<number> {
  const client = await connectClient(config);
  try {
    const results = await triggerSchedule(client, config, pipeline, region);
    if (json) console.log(JSON.stringify(results, null, 2));
    else {
      console.log(
        table(
          ['schedule', 'result'],
          results.map((r) => [r.id, r.running.length ? `not started: ${r.running.join(', ')} was still running (overlap SKIP)` : 'triggered: a run starts now (needs a worker for its region)']),
        ),
      );
    }
    return 0;
  } finally {
    await client.connection.close();
  }
}

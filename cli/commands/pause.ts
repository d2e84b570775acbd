import { connectClient } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { pauseSchedule, resumeSchedule } from '../../schedules/index.js';
import { table } from '../output.js';

/** `tributary pause|resume PIPELINE [--region R] [--note TEXT]`: stops or restarts the schedule's fires; runs in flight go on. */
export async function pause(config: TributaryConfig, paused: boolean, pipeline: string, region: string | undefined, note: string | undefined, json: boolean): Promise<number> {
  const client = await connectClient(config);
  try {
    const results = await (paused ? pauseSchedule : resumeSchedule)(client, config, pipeline, region, note);
    if (json) console.log(JSON.stringify(results, null, 2));
    else console.log(table(['schedule', 'paused', 'note'], results.map((r) => [r.id, r.paused ? 'yes' : 'no', r.note ?? ''])));
    return 0;
  } finally {
    await client.connection.close();
  }
}

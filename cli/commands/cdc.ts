// `tributary cdc start|stop|status PIPELINE [--region R]`: the continuous CDC workflow of a cdc
// pipeline, per region (all its regions without --region).
import { connectClient } from '../../client/run-pipeline.js';
import { cdcContinuousStatus, cdcRegions, startCdcContinuous, stopCdcContinuous, type CdcStatus } from '../../client/cdc-continuous.js';
import type { TributaryConfig } from '../../config/schema.js';
import { taskQueue } from '../../names/temporal-ids.js';
import { table, UsageError } from '../output.js';

export const CDC_ACTIONS = ['start', 'stop', 'status', 'resnapshot', 'skip'] as const;
export type CdcAction = (typeof CDC_ACTIONS)[number];

export async function cdc(config: TributaryConfig, action: Exclude<CdcAction, 'resnapshot' | 'skip'>, pipeline: string, region: string | undefined, json: boolean): Promise<number> {
  let regions: string[];
  try {
    regions = cdcRegions(config, pipeline, region);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  const client = await connectClient(config);
  try {
    if (action === 'start') {
      const results = await inTurn(regions, (r) => startCdcContinuous(client, config, pipeline, r));
      printActions(results, json, (s) => [s.started ? 'started' : 'already running', s.schedulePaused ? `${s.schedulePaused} paused while it runs` : '-']);
      if (!json) for (const r of regions) console.error(`it applies batches once a worker serves task queue ${taskQueue(config, r)}; "tributary cdc status ${pipeline}" shows its freshness`);
      return 0;
    }
    if (action === 'stop') {
      const results = await inTurn(regions, (r) => stopCdcContinuous(client, config, pipeline, r));
      printActions(results, json, (s) => [
        !s.wasRunning ? 'was not running' : s.state ? `stopped (${s.state.batches} batches, ${s.state.events} events applied)` : 'stop signalled',
        s.scheduleResumed ? `${s.scheduleResumed} resumed` : '-',
      ]);
      return 0;
    }
    const rows = await inTurn(regions, (r) => cdcContinuousStatus(client, config, pipeline, r));
    if (json) console.log(JSON.stringify(rows, null, 2));
    else console.log(statusTable(rows));
    return rows.some((s) => s.state === 'failed') ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

/** One region after the other, in order. */
async function inTurn<T>(regions: string[], f: (region: string) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const r of regions) results.push(await f(r));
  return results;
}

/** What start or stop did per region: JSON, or a table whose last two columns `outcome` gives. */
function printActions<T extends { pipeline: string; region: string; workflowId: string }>(results: T[], json: boolean, outcome: (s: T) => [string, string]): void {
  if (json) console.log(JSON.stringify(results, null, 2));
  else console.log(table(['pipeline', 'region', 'workflow', 'result', 'schedule'], results.map((s) => [s.pipeline, s.region, s.workflowId, ...outcome(s)])));
}

function statusTable(rows: CdcStatus[]): string {
  const dash = (v: number | string | null | undefined) => (v === null || v === undefined ? '-' : v);
  const seconds = (v: number | null | undefined) => (v === null || v === undefined ? '-' : Number(v.toFixed(1)));
  return table(
    ['pipeline', 'region', 'state', 'batches', 'events', 'newest applied change', 'freshness s', 'last poll s ago', 'runs', 'last error'],
    rows.map((s) => {
      const f = s.freshness;
      const state = s.state === 'failed' ? `failed (${s.temporalStatus ?? '?'})` : s.state === 'running' && !f ? 'running (no worker answered)' : s.state;
      return [
        s.pipeline,
        s.region,
        state,
        dash(f?.batches),
        dash(f?.events),
        f?.newestAppliedMs == null ? '-' : new Date(f.newestAppliedMs).toISOString(),
        seconds(f?.freshnessSeconds),
        seconds(s.lastPollAgeSeconds),
        dash(f?.runs),
        f?.lastError ?? '-',
      ];
    }),
  );
}

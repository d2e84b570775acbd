// Status of managed CDC: each managed cdc pipeline's rows get the health of its capture in that
// region (the slot's retained WAL and activity, the connector's and its tasks' states), and turn
// failed, with the reason, when the connector or a task has failed or the slot is gone.
import type { TributaryConfig } from '../config/schema.js';
import { captureFor } from '../activities/managed-cdc/report-health.js';
import { healthFailure, healthSummary, readSlotHealth, type SlotHealth } from '../activities/managed-cdc/slot-health.js';
import type { SecretProvider } from '../activities/secrets/provider.js';
import type { StatusRow } from './status-rows.js';

/** Pure: a status row with its capture's health. */
export function withCaptureHealth(row: StatusRow, h: SlotHealth): StatusRow {
  const failure = healthFailure(h, `pipeline ${row.pipeline}, region ${row.region}`);
  const detail = [failure, healthSummary(h), ...(h.readErrors ?? []), row.detail].filter((x): x is string => !!x).join('; ');
  const { slot, connector, slotActive, retainedWalBytes, connectorState, tasks } = h;
  return {
    ...row,
    ...(failure ? { state: 'failed' as const } : {}),
    detail,
    capture: { slot, connector, slotActive: slotActive ?? null, retainedWalBytes: retainedWalBytes ?? null, connectorState: connectorState ?? null, taskStates: (tasks ?? []).map((t) => t.state) },
  };
}

/** Reads each capture's health once and adds it to the rows of its pipelines. */
export async function addCaptureHealth(config: TributaryConfig, secrets: SecretProvider, rows: StatusRow[]): Promise<StatusRow[]> {
  const health = new Map<string, Promise<SlotHealth>>();
  return Promise.all(
    rows.map(async (row) => {
      const c = captureFor(config, row.pipeline, row.region);
      if (!c) return row;
      const id = `${c.capture}/${c.region}`;
      if (!health.has(id)) health.set(id, readSlotHealth(c, secrets));
      return withCaptureHealth(row, await health.get(id)!);
    }),
  );
}

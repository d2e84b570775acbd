// The slot and connector gauges of a managed cdc pipeline, reported with each of its plans. The
// health of one capture and region is read at most every HEALTH_TTL_MS per worker, however many
// table pipelines (and continuous polls) share it.
import type { ActivityDeps } from '../deps.js';
import type { TributaryConfig } from '../../config/schema.js';
import { regionCaptures, type RegionCapture } from './captures.js';
import { readSlotHealth, taskFailed, type SlotHealth } from './slot-health.js';

const HEALTH_TTL_MS = 10_000;

const capturesOf = new WeakMap<TributaryConfig, RegionCapture[]>();
const recent = new Map<string, { at: number; health: Promise<SlotHealth> }>();

export function captureFor(config: TributaryConfig, pipeline: string, region: string): RegionCapture | undefined {
  let all = capturesOf.get(config);
  if (!all) capturesOf.set(config, (all = regionCaptures(config)));
  return all.find((c) => c.region === region && c.tables.some((t) => t.pipeline === pipeline));
}

/** Reads (or reuses) the capture's health and sets the pipeline's gauges; undefined for a pipeline that is not managed. */
export async function reportCaptureHealth(deps: ActivityDeps, pipeline: string, region: string, now = Date.now()): Promise<SlotHealth | undefined> {
  const c = captureFor(deps.config, pipeline, region);
  if (!c) return undefined;
  const id = `${c.connectUrl} ${c.connector} ${c.server.id}`;
  let entry = recent.get(id);
  if (!entry || now - entry.at > HEALTH_TTL_MS) {
    entry = { at: now, health: readSlotHealth(c, deps.secrets) };
    recent.set(id, entry);
  }
  const h = await entry.health;
  if (h.slotFound !== undefined) deps.metrics.cdcSlot({ pipeline, region, slot: c.slot }, h.slotFound ? (h.retainedWalBytes ?? undefined) : undefined, h.slotFound && h.slotActive === true);
  if (h.connectorState !== undefined) deps.metrics.cdcConnector({ pipeline, region, connector: c.connector }, h.connectorState === null || taskFailed(h));
  return h;
}

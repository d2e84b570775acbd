// The health of a capture in one region: the WAL its replication slot holds back at the source
// (pg_current_wal_lsn() minus the slot's confirmed_flush_lsn), whether a connector streams from
// it, and the state of the connector and its tasks. A failed task or a missing slot is how CDC
// silently stops or loses changes; a slot no one reads fills the source's disk.
import { withPg } from '../pg/connect.js';
import type { SecretProvider } from '../secrets/provider.js';
import type { RegionCapture } from './captures.js';
import { ConnectCluster, firstLine } from './connect-rest.js';
import { cdcTarget } from './source-side.js';

export interface SlotHealth {
  slot: string;
  connector: string;
  connect: string;
  /** Undefined: the slot could not be read (see readErrors). */
  slotFound?: boolean;
  retainedWalBytes?: number | null;
  slotActive?: boolean;
  /** 'lost' when the server removed WAL the slot still needed (max_slot_wal_keep_size). */
  walStatus?: string | null;
  /** null: no such connector on the Connect cluster. */
  connectorState?: string | null;
  tasks?: { id: number; state: string; trace?: string }[];
  /** What could not be read (the server or the Connect cluster was unreachable). */
  readErrors?: string[];
}

const SLOT_SQL = `
SELECT active, wal_status,
       pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text AS retained
  FROM pg_replication_slots WHERE slot_name = $1`;

/** Reads the slot as the connector's role, and the connector's status (5 s at most each). */
export async function readSlotHealth(c: RegionCapture, secrets: SecretProvider): Promise<SlotHealth> {
  const h: SlotHealth = { slot: c.slot, connector: c.connector, connect: c.connectUrl };
  const errors: string[] = [];
  const connect = new ConnectCluster(c.connect, secrets, 5_000);
  await Promise.all([
    withPg(cdcTarget(c), secrets, (db) => db.query<{ active: boolean; wal_status: string | null; retained: string | null }>(SLOT_SQL, [c.slot])).then(
      (r) => {
        const row = r.rows[0];
        h.slotFound = row !== undefined;
        if (row) Object.assign(h, { slotActive: row.active, walStatus: row.wal_status, retainedWalBytes: row.retained === null ? null : Number(row.retained) });
      },
      (err: unknown) => void errors.push(`slot ${c.slot} unknown: ${(err as Error).message}`),
    ),
    connect.status(c.connector).then(
      (s) => {
        h.connectorState = s ? s.connector.state : null;
        if (s) h.tasks = s.tasks;
      },
      (err: unknown) => void errors.push(`connector ${c.connector} unknown: ${(err as Error).message}`),
    ),
  ]);
  await connect.close();
  if (errors.length) h.readErrors = errors;
  return h;
}

/** A failed connector or task: true; what could not be read is not a failure of the task. */
export function taskFailed(h: SlotHealth): boolean {
  return h.connectorState === 'FAILED' || (h.tasks ?? []).some((t) => t.state === 'FAILED');
}

/** Why the capture is failed in this region, or undefined when it is not. */
export function healthFailure(h: SlotHealth, where: string): string | undefined {
  if (h.slotFound === false) {
    return `${where}: replication slot ${h.slot} is gone: changes made since it was dropped never reach the warehouse; re-snapshot the tables (a new slot is made when the connector restarts)`;
  }
  if (h.walStatus === 'lost') return `${where}: replication slot ${h.slot} lost WAL it still needed (max_slot_wal_keep_size): changes are missing; re-snapshot the tables`;
  if (h.connectorState === null) return `${where}: connector ${h.connector} is not on ${h.connect}: run tributary apply`;
  if (h.connectorState === 'FAILED') return `${where}: connector ${h.connector} failed on ${h.connect}`;
  const failed = (h.tasks ?? []).find((t) => t.state === 'FAILED');
  if (failed) return `${where}: task ${failed.id} of connector ${h.connector} failed: ${firstLine(failed.trace)} (tributary apply restarts it)`;
  return undefined;
}

function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** One line for status: the slot's retained WAL and activity, and the connector's state. */
export function healthSummary(h: SlotHealth): string {
  const slot =
    h.slotFound === undefined ? `slot ${h.slot} unknown` : !h.slotFound ? `slot ${h.slot} gone` : `slot ${h.slot} retains ${h.retainedWalBytes == null ? '?' : size(h.retainedWalBytes)} (${h.slotActive ? 'active' : 'inactive'})`;
  const tasks = (h.tasks ?? []).map((t) => t.state);
  const connector = h.connectorState === undefined ? `connector ${h.connector} unknown` : h.connectorState === null ? `connector ${h.connector} missing` : `connector ${h.connectorState.toLowerCase()}${tasks.length ? `, tasks ${tasks.join(',').toLowerCase()}` : ''}`;
  return `${slot}; ${connector}`;
}

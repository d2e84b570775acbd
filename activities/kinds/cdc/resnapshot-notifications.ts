// Debezium's notifications of one incremental snapshot (aggregate_type "Incremental Snapshot",
// id = the signal's id), as the connector's sink channel writes them: STARTED, IN_PROGRESS per
// chunk (last_processed_key, maximum_key), TABLE_SCAN_COMPLETED per table (status,
// total_rows_scanned), COMPLETED, or ABORTED. Folded into how far the scan is. Pure.

export interface Notification {
  id: string;
  aggregateType: string;
  type: string;
  data: Record<string, string>;
}

export interface ScanState {
  state: 'signalled' | 'started' | 'scanning' | 'scanned' | 'aborted';
  chunks: number;
  lastKey: string | null;
  maximumKey: string | null;
  rowsScanned: number | null;
  /**
   * The last key of the newest chunk already emitted: Debezium says IN_PROGRESS when it has read a
   * chunk, and emits the chunk's rows when its window closes, before it reads the next one.
   */
  coveredKey: string | null;
  note?: string;
}

/** One notification record's value (JSON, with or without the converter's schema envelope); null if it is not one. */
export function parseNotification(value: string | null): Notification | null {
  if (value === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return null;
  }
  if (v && typeof v === 'object' && 'payload' in v && 'schema' in v) v = (v as { payload: unknown }).payload;
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || typeof o.type !== 'string') return null;
  const data: Record<string, string> = {};
  const extra = o.additional_data;
  if (extra && typeof extra === 'object') for (const [k, x] of Object.entries(extra)) if (x !== null && x !== undefined) data[k] = String(x);
  return { id: o.id, aggregateType: typeof o.aggregate_type === 'string' ? o.aggregate_type : '', type: o.type, data };
}

/** The scan of snapshot `id` after these notifications (in the order they were written). */
export function foldNotifications(id: string, notes: readonly Notification[]): ScanState {
  const s: ScanState = { state: 'signalled', chunks: 0, lastKey: null, maximumKey: null, rowsScanned: null, coveredKey: null };
  for (const n of notes) {
    if (n.id !== id || n.aggregateType !== 'Incremental Snapshot') continue;
    if (s.state === 'scanned' || s.state === 'aborted') break;
    switch (n.type) {
      case 'STARTED':
      case 'RESUMED':
      case 'PAUSED':
        if (s.state === 'signalled') s.state = 'started';
        break;
      case 'IN_PROGRESS':
        s.state = 'scanning';
        s.chunks++;
        s.coveredKey = s.lastKey;
        s.lastKey = n.data.last_processed_key ?? s.lastKey;
        s.maximumKey = n.data.maximum_key ?? s.maximumKey;
        break;
      case 'TABLE_SCAN_COMPLETED': {
        const rows = Number(n.data.total_rows_scanned);
        if (Number.isFinite(rows)) s.rowsScanned = (s.rowsScanned ?? 0) + rows;
        const status = n.data.status;
        // EMPTY: the table (or the filter) has no rows, a scan that simply read nothing.
        if (status && status !== 'SUCCEEDED' && status !== 'EMPTY') s.note = `the scan of ${n.data.scanned_collection ?? 'the table'} ended with status ${status}`;
        break;
      }
      case 'COMPLETED':
        s.state = 'scanned';
        break;
      case 'ABORTED':
        s.state = 'aborted';
        s.note ??= 'the connector aborted the snapshot (a stop-snapshot signal, or the table left its include list)';
        break;
    }
  }
  return s;
}

/** The id a notification record's key names (`{"id": "..."}`, with or without the schema envelope). */
export function notificationKeyId(key: string | null): string | null {
  if (key === null) return null;
  try {
    let k = JSON.parse(key) as unknown;
    if (k && typeof k === 'object' && 'payload' in k && 'schema' in k) k = (k as { payload: unknown }).payload;
    if (typeof k === 'string') return k;
    return k && typeof k === 'object' && typeof (k as { id?: unknown }).id === 'string' ? (k as { id: string }).id : null;
  } catch {
    return null;
  }
}

/** Offsets of the target the ledger has not applied yet. */
export function offsetsBehind(target: readonly { cell: string; partition: number; offset: number }[], applied: (cell: string, partition: number) => number | undefined): number {
  return target.reduce((n, t) => n + Math.max(0, t.offset - (applied(t.cell, t.partition) ?? 0)), 0);
}

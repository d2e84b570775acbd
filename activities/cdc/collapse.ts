// A batch of decoded Debezium events reduced to one action per (topic, key): the newest event
// wins, ordered by source LSN, then partition and Kafka offset (a row's later change always has
// a higher LSN; equal LSNs are the same event read twice). A delete wins as a delete; anything
// else as an upsert of its after row. A primary-key change arrives as a delete of the old key
// and a create of the new one, so it becomes exactly that. Unchanged TOASTed values are filled
// from earlier events of the batch; what the batch cannot fill is named, with the key whose
// warehouse row still holds it. Tombstones and other events carry nothing to apply.
import type { ChangeEvent, DecodedRecord, Row } from './decode.js';

interface Winner {
  topic: string;
  key: Row;
  lsn: bigint;
  partition: number;
  offset: bigint;
  txId: bigint | null;
  sourceTsMs: number;
  /** A snapshot read (op r): older than any streamed change of its key, whatever the LSNs say. */
  snapshot: boolean;
}

export interface Upsert extends Winner {
  kind: 'upsert';
  row: Row;
  /**
   * Columns the batch has no value for (unchanged TOASTed values), each with the key of the
   * warehouse row that holds the current value: the key itself, or the old key when the row
   * got its key by a primary-key change. They are absent from `row`.
   */
  missing: ReadonlyMap<string, Row>;
}

export interface Delete extends Winner {
  kind: 'delete';
  /**
   * The newest values the batch knows for the deleted key (empty when it knows none), and the
   * columns among them it lacks, as for an upsert: a primary-key change in a later batch may
   * need them when the row never reached the warehouse.
   */
  row: Row;
  missing: ReadonlyMap<string, Row>;
}

export type Collapsed = Upsert | Delete;

/** Identity of a key within a batch (column order does not matter). */
export function keyId(topic: string, key: Row): string {
  // Most keys have one column: the same text without sorting.
  const columns = Object.keys(key);
  if (columns.length === 1) return JSON.stringify([topic, [[columns[0], key[columns[0]!]]]]);
  return JSON.stringify([topic, Object.entries(key).sort(byColumn)]);
}

const byColumn = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

// A snapshot row carries the snapshot's LSN, yet a transaction in flight when the snapshot was
// taken commits later with changes at lower LSNs: per key, snapshot reads come first.
function compare(a: ChangeEvent, b: ChangeEvent): number {
  if (a.snapshot !== b.snapshot) return a.snapshot ? -1 : 1;
  if (a.lsn !== b.lsn) return a.lsn < b.lsn ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  return a.offset === b.offset ? 0 : a.offset < b.offset ? -1 : 1;
}

interface KeyState {
  last: ChangeEvent;
  /** The newest known value of every column, kept across a delete for a following key change. */
  row: Row;
  missing: Map<string, Row>;
}

export function collapse(records: readonly DecodedRecord[]): Collapsed[] {
  const changes = records.filter((r): r is ChangeEvent => r.kind === 'change').sort(compare);
  const states = new Map<string, KeyState>();

  for (const e of changes) {
    const id = keyId(e.topic, e.key);
    const prev = states.get(id);
    if (e.op === 'd') {
      // Keep the values: a create of a new key may refer to them (primary-key change).
      states.set(id, { last: e, row: prev?.row ?? {}, missing: prev?.missing ?? new Map<string, Row>() });
      continue;
    }
    const row: Row = { ...e.after };
    const missing = new Map<string, Row>();
    // Where unavailable values come from: the old key for a create after a key change, else this key.
    const donorKey = e.oldKey ?? e.key;
    const donor = e.oldKey ? states.get(keyId(e.topic, e.oldKey)) : prev?.last.op === 'd' ? undefined : prev;
    for (const column of e.unavailable) {
      const known = donor && Object.hasOwn(donor.row, column) && !donor.missing.has(column);
      if (known) row[column] = donor.row[column]!;
      else missing.set(column, donor?.missing.get(column) ?? donorKey);
    }
    states.set(id, { last: e, row, missing });
  }

  const out: Collapsed[] = [];
  for (const { last, row, missing } of states.values()) {
    const w: Winner = {
      topic: last.topic,
      key: last.key,
      lsn: last.lsn,
      partition: last.partition,
      offset: last.offset,
      txId: last.txId,
      sourceTsMs: last.sourceTsMs,
      snapshot: last.snapshot,
    };
    if (last.op === 'd') {
      out.push({ kind: 'delete', ...w, row, missing });
    } else {
      out.push({ kind: 'upsert', ...w, row, missing });
    }
  }
  return out.sort((a, b) => (a.lsn !== b.lsn ? (a.lsn < b.lsn ? -1 : 1) : a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0)));
}

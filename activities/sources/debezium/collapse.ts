// A batch of decoded Debezium events reduced to one action per (topic, key): the newest event
// wins, ordered by version (the LSN, raised for changes sent after a snapshot: snapshot-epochs.ts),
// a snapshot read before a streamed change of the same version, then LSN, partition and Kafka
// offset (a row's later change always has a higher LSN; equal LSNs are the same event read twice). A delete wins as a delete; anything
// else as an upsert of its after row. A primary-key change arrives as a delete of the old key
// and a create of the new one, so it becomes exactly that. Unchanged TOASTed values are filled
// from earlier events of the batch; what the batch cannot fill is named, with the key whose
// warehouse row still holds it. Tombstones and other events carry nothing to apply.
// Rows are read last and only where they matter: for each key's winner and, when the winner
// lacks unchanged TOASTed values, the earlier events that supply them. So events scanned without
// their rows (ScannedChange) are parsed only when one of them is needed.
import { keyId } from '../../merge-rules/key-id.js';
import type { ChangeEvent, ChangeRows, DecodedRecord, OtherEvent, Tombstone } from './decode.js';
import type { Row } from '../../specs/row.js';
import { legacyVersion } from './snapshot-epochs.js';

interface Winner {
  topic: string;
  key: Row;
  lsn: bigint;
  /** What the warehouse's version guard compares (see snapshot-epochs.ts). */
  version: bigint;
  partition: number;
  offset: bigint;
  txId: bigint | null;
  sourceTsMs: number;
  /** A snapshot read (op r). */
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


/** keyId of keys that cannot change (scanned events share one frozen key object per key). */
const frozenIds = new WeakMap<Row, { topic: string; id: string }>();
function cachedKeyId(topic: string, key: Row): string {
  if (!Object.isFrozen(key)) return keyId(topic, key);
  const known = frozenIds.get(key);
  if (known?.topic === topic) return known.id;
  const id = keyId(topic, key);
  frozenIds.set(key, { topic, id });
  return id;
}


/** What ordering and collapsing read of an event, whether decoded whole or scanned. */
export type ChangeHead = Pick<ChangeEvent, 'topic' | 'partition' | 'offset' | 'op' | 'key' | 'oldKey' | 'lsn' | 'txId' | 'sourceTsMs' | 'snapshot'>;

/** The version of an event; the default orders every snapshot read before every streamed change. */
export type VersionOf = (e: ChangeHead) => bigint;

// A streamed change sent right after a snapshot has the snapshot's version when its own LSN is
// lower (a transaction open at the snapshot): at equal versions the snapshot read comes first.
function comparer(versionOf: VersionOf) {
  return (a: ChangeHead, b: ChangeHead): number => {
    const va = versionOf(a);
    const vb = versionOf(b);
    if (va !== vb) return va < vb ? -1 : 1;
    if (a.snapshot !== b.snapshot) return a.snapshot ? -1 : 1;
    if (a.lsn !== b.lsn) return a.lsn < b.lsn ? -1 : 1;
    if (a.partition !== b.partition) return a.partition - b.partition;
    return a.offset === b.offset ? 0 : a.offset < b.offset ? -1 : 1;
  };
}

interface Values {
  /** The newest known value of every column, kept across a delete for a following key change. */
  row: Row;
  missing: Map<string, Row>;
}

interface KeyState<E> {
  last: E;
  /**
   * What the values depend on: for a delete, the key's state before it (its values are kept);
   * for an upsert, where its unavailable values come from (the old key's state for a create
   * after a key change, else the key's own unless it was deleted).
   */
  from: KeyState<E> | undefined;
  /** The row of `last`, once read. */
  rows: ChangeRows | null;
  values: Values | null;
}

const NO_MISSING = new Map<string, Row>();

const isChange = <E extends ChangeHead & { kind: string }>(r: E | Tombstone | OtherEvent): r is E => r.kind !== 'tombstone' && r.kind !== 'other';
const decoded = (e: ChangeEvent): ChangeRows => e;

/**
 * The values of a state, reading only the rows it depends on. Iterative: a key may change many
 * times in a batch, each update lacking the same TOASTed value.
 */
function resolve<E extends ChangeHead>(top: KeyState<E>, rowsOf: (e: E) => ChangeRows): Values {
  const chain: KeyState<E>[] = [];
  for (let s: KeyState<E> | undefined = top; s && !s.values; ) {
    chain.push(s);
    if (s.last.op === 'd') {
      s = s.from;
      continue;
    }
    s.rows ??= rowsOf(s.last);
    s = s.rows.unavailable.size > 0 ? s.from : undefined;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const s = chain[i]!;
    if (s.last.op === 'd') {
      s.values = s.from?.values ?? { row: {}, missing: new Map<string, Row>() };
      continue;
    }
    const { after, unavailable } = s.rows!;
    // Most rows lack nothing: they are used as read, without a copy or a map of their own.
    if (unavailable.size === 0) {
      s.values = { row: after!, missing: NO_MISSING };
      continue;
    }
    const row: Row = { ...after };
    const missing = new Map<string, Row>();
    const donorKey = s.last.oldKey ?? s.last.key;
    const donor = unavailable.size > 0 ? s.from?.values : undefined;
    for (const column of unavailable) {
      const known = donor && Object.hasOwn(donor.row, column) && !donor.missing.has(column);
      if (known) row[column] = donor.row[column]!;
      else missing.set(column, donor?.missing.get(column) ?? donorKey);
    }
    s.values = { row, missing };
  }
  return top.values!;
}

/** A key's outcome whose row is not read yet: `complete` of its Collapsing reads it. */
export interface Pending extends Winner {
  kind: 'upsert' | 'delete';
}

/**
 * A batch collapsed as far as the keys go, in staging order; rows are read when one is completed,
 * so a caller that writes them out in slices never holds the rows of the whole batch.
 */
export interface Collapsing {
  pending: Pending[];
  /** The key's action with its row; reads the rows it depends on (a DebeziumDecodeError when one is bad). */
  complete: (p: Pending) => Collapsed;
}

interface PendingState<E> extends Pending {
  state: KeyState<E>;
}

/** Set on scanned events whose after row surely holds no unavailable value: nothing earlier fills it. */
export interface MaybeComplete {
  noUnavailable?: boolean;
}

export function collapse(records: readonly DecodedRecord[], rowsOf?: undefined, versionOf?: VersionOf): Collapsed[];
/** Events scanned without their rows: rowsOf reads the row of one when it is needed. */
export function collapse<E extends ChangeHead & { kind: string }>(records: readonly (E | Tombstone | OtherEvent)[], rowsOf: (e: E) => ChangeRows, versionOf?: VersionOf): Collapsed[];
export function collapse<E extends ChangeHead & { kind: string }>(
  records: readonly (E | Tombstone | OtherEvent)[],
  rowsOf: (e: E) => ChangeRows = decoded as unknown as (e: E) => ChangeRows,
  versionOf: VersionOf = legacyVersion,
): Collapsed[] {
  const { pending, complete } = collapseKeys(records, rowsOf, versionOf);
  return pending.map(complete);
}

/** collapse, with each key's row read only when `complete` asks for it. */
export function collapseKeys<E extends ChangeHead & { kind: string } & MaybeComplete>(
  records: readonly (E | Tombstone | OtherEvent)[],
  rowsOf: (e: E) => ChangeRows,
  versionOf: VersionOf = legacyVersion,
): Collapsing {
  const changes = records.filter(isChange).sort(comparer(versionOf));
  const states = new Map<string, KeyState<E>>();

  for (const e of changes) {
    const id = cachedKeyId(e.topic, e.key);
    const prev = states.get(id);
    // A row known to lack nothing never reads the states before it: they are not kept for it.
    const from = e.op === 'd' ? prev : e.noUnavailable === true ? undefined : e.oldKey ? states.get(keyId(e.topic, e.oldKey)) : prev?.last.op === 'd' ? undefined : prev;
    states.set(id, { last: e, from, rows: null, values: null });
  }

  const pending: PendingState<E>[] = [];
  for (const state of states.values()) {
    const { last } = state;
    pending.push({
      kind: last.op === 'd' ? 'delete' : 'upsert',
      topic: last.topic,
      key: last.key,
      lsn: last.lsn,
      version: versionOf(last),
      partition: last.partition,
      offset: last.offset,
      txId: last.txId,
      sourceTsMs: last.sourceTsMs,
      snapshot: last.snapshot,
      state,
    });
  }
  pending.sort((a, b) => (a.lsn !== b.lsn ? (a.lsn < b.lsn ? -1 : 1) : a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0)));
  const complete = (p: Pending): Collapsed => {
    const { state } = p as PendingState<E>;
    const { row, missing } = resolve(state, rowsOf);
    // Written once: another key's chain that reaches this state reads its row again.
    state.values = null;
    state.rows = null;
    const w: Winner = {
      topic: p.topic,
      key: p.key,
      lsn: p.lsn,
      version: p.version,
      partition: p.partition,
      offset: p.offset,
      txId: p.txId,
      sourceTsMs: p.sourceTsMs,
      snapshot: p.snapshot,
    };
    return p.kind === 'delete' ? { kind: 'delete', ...w, row, missing } : { kind: 'upsert', ...w, row, missing };
  };
  return { pending, complete };
}

// Transactions in flight at a plan, carried to the next plan in the ledger. The bound waits for
// an open transaction only when it can see its start (pg_stat_activity, on the primary, with
// pg_read_all_stats); any other one may commit rows stamped below a checkpoint already passed.
// So each plan records who was in progress, and once one of them has completed, the next plan
// re-reads from the bound of the last plan that ran before it began. The argument is in
// docs/watermarks.md. Pure: the plan's I/O supplies the snapshot.

/** What a plan records with its run's last chunk (a forward-only ledger position, see format). */
export interface BoundState {
  /** Grows by one per recorded plan: the position's order. */
  seq: number;
  /** Zone of the watermark's values ("UTC" for timestamptz). */
  zone: string;
  /** The bound this plan reached (the checkpoint its run's last chunk wrote). */
  bound: string;
  /** Next xid to be assigned at this plan's snapshot (xid8, decimal): later xids began after it was taken. */
  next: string;
  /**
   * Xids in progress at this plan whose start the bound could not see, each with the watermark
   * its rows cannot be below (null: no such watermark is known). An entry "lo-hi" stands for
   * every xid of that range (a long list folded to fit the ledger); it completes once all have.
   */
  pending: [xid: string, floor: string | null][];
  /** Newest watermark value in the table at this plan (plausibility). */
  newest: string | null;
  /** The plan's warning (rows stamped in the future), for status. */
  warning?: string;
}

export interface Snapshot {
  /** Oldest xid still in progress (xid8 decimal): every one below it has completed. */
  xmin: string;
  next: string;
  /** In progress at the snapshot (xid8 decimal). */
  inProgress: string[];
  /** Those of them whose start the bound waits for. */
  explained: string[];
}

export interface Advance {
  state: Omit<BoundState, 'bound' | 'newest'>;
  /**
   * Lowest watermark the run must re-read from (before its look-back), besides the checkpoint:
   * undefined when nothing asks for one, null to re-read from the beginning.
   */
  rereadFrom: string | null | undefined;
}

/**
 * The state after this plan and what it must re-read.
 * `checkpoint`: the ledger's checkpoint (null: none yet); `from`: where this run starts without
 * any re-read (null: the beginning).
 */
export function advance(prev: BoundState | null, snap: Snapshot, zone: string, checkpoint: string | null, from: string | null): Advance {
  const open = new Set(snap.inProgress);
  const explained = new Set(snap.explained);
  const known = new Map<string, string | null>();
  const folded: [bigint, bigint, string | null][] = [];
  const floors: (string | null)[] = [];
  for (const [xid, floor] of prev?.pending ?? []) {
    const dash = xid.indexOf('-');
    if (dash < 0) {
      // Completed since the state was recorded: its rows may sit anywhere above its floor.
      if (!open.has(xid)) floors.push(floor);
      known.set(xid, floor);
      continue;
    }
    const hi = BigInt(xid.slice(dash + 1));
    if (BigInt(snap.xmin) > hi) floors.push(floor);
    else folded.push([BigInt(xid.slice(0, dash)), hi, floor]);
  }
  // A run that merged part of its chunks moved the checkpoint without recording its plan; any
  // transaction it saw in progress is unknown here, and none began before the recorded plan.
  if (prev && checkpoint !== null && checkpoint > prev.bound) floors.push(prev.bound);
  const pending: [string, string | null][] = [];
  // A folded range still open stays whole: its completed members are only known once all are.
  for (const [lo, hi, floor] of folded) pending.push([`${lo}-${hi}`, floor]);
  for (const xid of snap.inProgress) {
    if (folded.some(([lo, hi]) => lo <= BigInt(xid) && BigInt(xid) <= hi)) continue;
    const floor = known.get(xid);
    if (floor !== undefined) pending.push([xid, floor]);
    // The bound waits for it: its rows are above every bound from now on.
    else if (explained.has(xid)) continue;
    // Began after the recorded plan, or was waited for then: nothing of it is below that bound.
    else if (prev) pending.push([xid, prev.bound]);
    // No plan recorded before it: only this run's start is known to be safe... when there is one.
    else pending.push([xid, from]);
  }
  return { state: { seq: (prev?.seq ?? 0) + 1, zone, next: snap.next, pending: fold(pending) }, rereadFrom: lowest(floors) };
}

/** The lowest floor (null below all); undefined when there is none. */
function lowest(floors: (string | null)[]): string | null | undefined {
  if (floors.length === 0) return undefined;
  return floors.some((f) => f === null) ? null : floors.reduce((a, b) => (b! < a! ? b : a));
}

/** Entries the ledger position holds one by one (Redshift keeps 4 KB); more fold into one range under the lowest floor. */
export const MAX_LISTED = 48;

function fold(pending: [string, string | null][]): [string, string | null][] {
  if (pending.length <= MAX_LISTED) return pending;
  const xids = pending.flatMap(([x]) => x.split('-').map(BigInt));
  const lo = xids.reduce((a, b) => (b < a ? b : a));
  const hi = xids.reduce((a, b) => (b > a ? b : a));
  return [[`${lo}-${hi}`, lowest(pending.map(([, f]) => f)) ?? null]];
}

/** The ledger position: a zero-padded sequence first, so text order is plan order (positions only move forward). */
export function formatState(s: BoundState): string {
  return `${String(s.seq).padStart(12, '0')} ${JSON.stringify(s)}`;
}

export function parseState(position: string | null): BoundState | null {
  if (position === null) return null;
  const json = position.slice(position.indexOf(' ') + 1);
  return JSON.parse(json) as BoundState;
}

/** The stream the state lives under, beside the checkpoint's. */
export const boundStateStream = (stream: string) => `${stream}#bound`;

// A primary-key change is a delete of the old key and a create of the new one, and the two can
// sit in different partitions. When the create lacks unchanged TOASTed values, they are the old
// row's values at the moment of the change, which only the delete's partition leads up to. If the
// batch reaches the create but not the delete (that partition is behind, or capped), the old
// row in the warehouse may still miss changes made before the key change, so the create cannot
// be applied yet: its partition is cut just before it and goes on in a later batch, once the
// delete has been applied (the warehouse then keeps the moved row, see cdc-merge-sql.ts).
import { keyId, oldKeyId } from '../../merge-rules/key-id.js';
import type { ChangeEvent, DecodedRecord, ScannedChange } from './decode.js';
import type { Row } from '../../specs/row.js';

/** Records decoded whole or scanned (scanned ones are never creates after a key change). */
type BatchRecord = DecodedRecord | ScannedChange;

/** A create whose unchanged values wait for the move of `oldKey` at `lsn`. */
export interface AwaitedMove {
  oldKey: Row;
  lsn: bigint;
  partition: number;
  offset: bigint;
}

/** Creates after a key change that need values from an old key this batch does not delete itself. */
export function awaitedMoves(records: readonly BatchRecord[]): AwaitedMove[] {
  const changes = records.filter((r): r is ChangeEvent | ScannedChange => r.kind === 'change' || r.kind === 'scanned');
  const deleted = new Map<string, bigint>();
  for (const e of changes) {
    if (e.op !== 'd') continue;
    const id = keyId(e.topic, e.key);
    if ((deleted.get(id) ?? -1n) < e.lsn) deleted.set(id, e.lsn);
  }
  const out: AwaitedMove[] = [];
  for (const e of changes) {
    if (e.op === 'd' || e.kind !== 'change' || !e.oldKey || e.unavailable.size === 0) continue;
    if ((deleted.get(keyId(e.topic, e.oldKey)) ?? -1n) >= e.lsn) continue;
    out.push({ oldKey: e.oldKey, lsn: e.lsn, partition: e.partition, offset: e.offset });
  }
  return out;
}

/**
 * Cuts partitions until every create that needs a moved row finds it, in the batch or in the
 * warehouse (`movedLsns`: the LSN each old key was last moved at). Returns the records kept and
 * the first offset cut away per partition. Cutting can remove a delete another create relied
 * on, so it repeats until nothing changes; offsets only shrink, so it ends.
 */
export async function cutForKeyChanges<R extends BatchRecord>(
  records: readonly R[],
  movedLsns: (oldKeys: Row[]) => Promise<Map<string, bigint>>,
): Promise<{ records: R[]; cuts: Map<number, bigint> }> {
  const cuts = new Map<number, bigint>();
  const known = new Map<string, bigint | null>();
  let kept = [...records];
  for (;;) {
    const awaited = awaitedMoves(kept);
    const ask = new Map<string, Row>();
    for (const a of awaited) if (!known.has(oldKeyId(a.oldKey))) ask.set(oldKeyId(a.oldKey), a.oldKey);
    if (ask.size > 0) {
      const found = await movedLsns([...ask.values()]);
      for (const id of ask.keys()) known.set(id, found.get(id) ?? null);
    }
    let changed = false;
    for (const a of awaited) {
      const moved = known.get(oldKeyId(a.oldKey));
      if (moved !== null && moved !== undefined && moved >= a.lsn) continue;
      const cut = cuts.get(a.partition);
      if (cut === undefined || a.offset < cut) {
        cuts.set(a.partition, a.offset);
        changed = true;
      }
    }
    if (!changed) return { records: kept, cuts };
    kept = kept.filter((r) => {
      const cut = cuts.get(r.partition);
      return cut === undefined || r.offset < cut;
    });
  }
}

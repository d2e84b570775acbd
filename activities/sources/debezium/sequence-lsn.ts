// The LSNs an event's source.sequence gives: Debezium's ["lastCommitLsn", "lsn"] (decimal strings
// in a JSON text). An incremental snapshot read carries no source.lsn; its sequence's lsn is the
// streaming position at which the connector emitted it (its chunk window's close), the point the
// row is as new as. lastCommitLsn is the commit of the transaction streamed before the event's
// own: it only grows along the stream, so it orders events by commit where the change's own LSN
// does not (docs/cdc.md, Deletes per chunk window). Pure.

function parts(sequence: unknown): [bigint | undefined, bigint | undefined] {
  if (typeof sequence !== 'string') return [undefined, undefined];
  let v: unknown;
  try {
    v = JSON.parse(sequence);
  } catch {
    return [undefined, undefined];
  }
  if (!Array.isArray(v)) return [undefined, undefined];
  const at = (x: unknown) => (typeof x === 'string' && /^\d{1,20}$/.test(x) ? BigInt(x) : undefined);
  return [at(v[0]), at(v[1])];
}

/** sequence's lsn (else its lastCommitLsn), or undefined when it holds neither. */
export function sequenceLsn(sequence: unknown): bigint | undefined {
  const [commit, lsn] = parts(sequence);
  return lsn ?? commit;
}

/** sequence's lastCommitLsn, or undefined (null right after the connector starts streaming). */
export function sequenceCommitLsn(sequence: unknown): bigint | undefined {
  return parts(sequence)[0];
}

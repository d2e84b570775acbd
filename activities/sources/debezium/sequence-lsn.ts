// The LSN an event's source.sequence gives: Debezium's ["lastCommitLsn", "lsn"] (decimal strings
// in a JSON text). An incremental snapshot read carries no source.lsn; its sequence is the
// streaming position at which the connector emitted it (its chunk window's close), the point the
// row is as new as. Pure.

/** sequence's lsn (else its lastCommitLsn), or undefined when it holds neither. */
export function sequenceLsn(sequence: unknown): bigint | undefined {
  if (typeof sequence !== 'string') return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(sequence);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts)) return undefined;
  for (const v of [parts[1], parts[0]]) if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  return undefined;
}

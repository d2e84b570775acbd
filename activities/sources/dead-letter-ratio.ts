// The per-pipeline threshold: a few poison messages are dead-lettered and the pipeline goes on;
// more than maxDeadLetterRatio of a batch means something upstream broke (a new producer, a
// changed schema), and loading on would fill the dead-letter table instead of the target.
// Topic and CDC batches share the rule; each names its own positions in the error.

/** Whether a batch with this many dead letters may load (0: none may). */
export function withinDeadLetterRatio(deadLettered: number, consumed: number, maxRatio: number): boolean {
  return deadLettered === 0 || deadLettered <= maxRatio * consumed;
}

export interface RatioInput {
  consumed: number;
  deadLettered: number;
  maxRatio: number;
  /** The first dead letter of the batch, to name in the error. */
  first: { offset: number; field: string | null; detail: string } | null;
  partition: number;
  cell: string;
  /** "pipeline P, source S" */
  label: string;
}

/** The error message when the batch has too many dead letters; null when it may load. */
export function deadLetterRatioError(r: RatioInput): string | null {
  if (withinDeadLetterRatio(r.deadLettered, r.consumed, r.maxRatio)) return null;
  const share = ((100 * r.deadLettered) / r.consumed).toFixed(1);
  const first = r.first ? ` The first is at offset ${r.first.offset}${r.first.field ? `, field ${r.first.field}` : ''}: ${r.first.detail}.` : '';
  return (
    `${r.label}, cell ${r.cell}, partition ${r.partition}: ${r.deadLettered} of ${r.consumed} messages (${share}%) cannot be loaded, ` +
    `more than maxDeadLetterRatio ${r.maxRatio}.${first} Nothing of this batch was written; fix the producer or raise the ratio.`
  );
}

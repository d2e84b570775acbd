// The events of a CDC batch that cannot be applied: an event that does not decode, or one with an
// op this version does not know. The CDC kind has no dead-letter table yet, so any such event
// halts its batch (nothing of it is written, its offsets do not advance), and the error names
// where it is and why, and how many more the batch holds. Only a bounded number are kept.

export interface CdcDeadLetter {
  partition: number;
  offset: bigint;
  /** The column the reason is about, when it is one column's. */
  column: string | null;
  reason: string;
}

/** Ops that are neither changes nor truncates and that are skipped on purpose (a logical decoding message). */
const SKIPPED_OPS = new Set(['m']);

/** Whether an event of this op that is not a change or a truncate is a dead letter (an op this version does not know). */
export function isUnknownOp(op: string): boolean {
  return op !== 't' && !SKIPPED_OPS.has(op);
}

const KEEP = 5;

/** The dead letters of one batch: a count, and the first few with their reasons. */
export class CdcDeadLetters {
  readonly first: CdcDeadLetter[] = [];
  count = 0;

  add(d: CdcDeadLetter): void {
    this.count++;
    if (this.first.length < KEEP) this.first.push(d);
  }
}

export interface CdcHaltContext {
  pipeline: string;
  region: string;
  source: string;
  topic: string;
  consumed: number;
}

/** The error that halts a batch with dead letters; null when it has none. */
export function cdcDeadLetterError(dead: CdcDeadLetters, c: CdcHaltContext): string | null {
  const [head] = dead.first;
  if (head === undefined) return null;
  const at = (d: CdcDeadLetter) => `${c.topic}[${d.partition}]@${d.offset}${d.column === null ? '' : ` column "${d.column}"`}: ${d.reason}`;
  const more = dead.first.slice(1).map(at);
  const rest = dead.count - dead.first.length;
  return (
    `pipeline ${c.pipeline}, region ${c.region}, source ${c.source}: ${dead.count} of ${c.consumed} events of topic ${c.topic} cannot be applied. ` +
    `The first is at partition ${head.partition}, offset ${head.offset}: ${at(head)}.` +
    (more.length > 0 ? ` Also ${more.join('; ')}${rest > 0 ? ` and ${rest} more` : ''}.` : '') +
    ' Nothing of this batch was written and its offsets did not advance. The CDC kind cannot skip an event yet: fix the connector or producer that wrote it (see "Events that cannot be applied" in docs/cdc.md).'
  );
}

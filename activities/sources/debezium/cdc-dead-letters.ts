// The events of a CDC batch that cannot be applied: an event that does not decode, one with an op
// this version does not know, one for another table than the pipeline's, and one an operator
// skipped (`tributary cdc skip`). Each is staged as a dead letter (raw bytes, offset, reason) for
// the warehouse's tributary_dead_letters, in the shape topic dead letters have. More of them than
// options.maxDeadLetterRatio of the batch (0 by default: any) halts the batch, naming where the
// first are and the command that skips the first; an operator's skips never count towards that.
import { withinDeadLetterRatio } from '../dead-letter-ratio.js';
import { deadLetterLine } from '../dead-letter-line.js';

/** Stable codes, kept in the dead-letter table's reason column. */
export type CdcDeadReason = 'undecodable' | 'unknown-op' | 'other-table' | 'skipped by operator';

export const SKIPPED_BY_OPERATOR: CdcDeadReason = 'skipped by operator';

export interface CdcDeadLetter {
  partition: number;
  offset: bigint;
  code: CdcDeadReason;
  /** The column the reason is about, when it is one column's. */
  column: string | null;
  reason: string;
}

/** The message a dead letter keeps: its raw bytes and timestamp (ms). */
export interface RawMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
}

/** Ops that are neither changes nor truncates and that are skipped on purpose (a logical decoding message). */
const SKIPPED_OPS = new Set(['m']);

/** Whether an event of this op that is not a change or a truncate is a dead letter (an op this version does not know). */
export function isUnknownOp(op: string): boolean {
  return op !== 't' && !SKIPPED_OPS.has(op);
}

const KEEP = 5;

const isoOrNull = (ms: number) => (ms >= 0 && ms <= 8.64e15 ? new Date(ms).toISOString() : null);

/**
 * The dead letters of one batch: a count, the first few with their reasons, and their staged
 * lines. Lines are kept only while the batch could still load (`keepUpTo`: the most dead letters
 * the ratio allows for the batch as planned), so a batch of poison holds no more than that.
 */
export class CdcDeadLetters {
  readonly first: CdcDeadLetter[] = [];
  /** Every dead letter, the operator's skips included. */
  count = 0;
  /** Those that count towards maxDeadLetterRatio (not skipped by an operator). */
  counted = 0;
  #staged: { partition: number; offset: bigint; line: string }[] = [];

  constructor(private readonly keepUpTo = Number.POSITIVE_INFINITY) {}

  add(d: CdcDeadLetter, m: RawMessage | null = null): void {
    this.count++;
    if (d.code !== SKIPPED_BY_OPERATOR) {
      this.counted++;
      if (this.first.length < KEEP) this.first.push(d);
    }
    if (this.counted <= this.keepUpTo) {
      this.#staged.push({ partition: d.partition, offset: d.offset, line: deadLetterLine({ partition: d.partition, offset: d.offset, at: m ? isoOrNull(m.timestamp) : null, key: m?.key ?? null, value: m?.value ?? null, reason: d.code, field: d.column, detail: d.reason }) });
    }
  }

  /**
   * The staged lines (dead-letters CSV), every dead letter's when the batch may load; with
   * `ranges`, only those the batch applies (a partition cut short reads the rest again).
   */
  lines(ranges?: readonly { partition: number; from: number; to: number }[]): string[] {
    const applies = (d: { partition: number; offset: bigint }) => !ranges || ranges.some((r) => r.partition === d.partition && d.offset >= BigInt(r.from) && d.offset < BigInt(r.to));
    return this.#staged.filter(applies).map((d) => d.line);
  }
}

export interface CdcHaltContext {
  pipeline: string;
  region: string;
  source: string;
  topic: string;
  consumed: number;
  maxRatio: number;
  /** The cell, when the region has more than one Kafka cluster (the skip command must name it). */
  cell: string | null;
}

/** The command that skips one event (cli/commands.ts defines it). */
export function cdcSkipCommand(c: { pipeline: string; region: string; cell: string | null }, partition: number, offset: bigint): string {
  return `tributary cdc skip ${c.pipeline} --region ${c.region}${c.cell === null ? '' : ` --cell ${c.cell}`} --partition ${partition} --offset ${offset}`;
}

/** The error that halts a batch with more dead letters than its ratio allows; null when it may load. */
export function cdcDeadLetterError(dead: CdcDeadLetters, c: CdcHaltContext): string | null {
  const [head] = dead.first;
  if (head === undefined || withinDeadLetterRatio(dead.counted, c.consumed, c.maxRatio)) return null;
  const at = (d: CdcDeadLetter) => `${c.topic}[${d.partition}]@${d.offset}${d.column === null ? '' : ` column "${d.column}"`}: ${d.reason}`;
  const more = dead.first.slice(1).map(at);
  const rest = dead.counted - dead.first.length;
  const limit = c.maxRatio === 0 ? 'and options.maxDeadLetterRatio is 0' : `more than options.maxDeadLetterRatio ${c.maxRatio}`;
  return (
    `pipeline ${c.pipeline}, region ${c.region}, source ${c.source}: ${dead.counted} of ${c.consumed} events of topic ${c.topic} cannot be applied, ${limit}. ` +
    `The first is at partition ${head.partition}, offset ${head.offset}: ${at(head)}.` +
    (more.length > 0 ? ` Also ${more.join('; ')}${rest > 0 ? ` and ${rest} more` : ''}.` : '') +
    ' Nothing of this batch was written and its offsets did not advance.' +
    ` To move past the first as a dead letter: ${cdcSkipCommand(c, head.partition, head.offset)}.` +
    ' Fix the connector or producer that wrote it first (see "Events that cannot be applied" in docs/cdc.md).'
  );
}

/**
 * Winners of their key whose rows did not decode when the batch was staged (rows decode late,
 * only for the change that wins its key). The batch is read again with them as dead letters, so
 * the change each replaced wins instead (activities/kinds/cdc/extract.ts).
 */
export class UndecodableWinners extends Error {
  constructor(
    readonly dead: CdcDeadLetter[],
    context: CdcHaltContext,
  ) {
    const [head] = dead;
    super(
      `pipeline ${context.pipeline}, region ${context.region}, source ${context.source}: ${dead.length} changes of topic ${context.topic} do not decode` +
        (head ? `, the first at ${context.topic}[${head.partition}]@${head.offset}${head.column === null ? '' : ` column "${head.column}"`}: ${head.reason}` : ''),
    );
    this.name = 'UndecodableWinners';
  }
}

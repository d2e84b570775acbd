// One line of a staged dead-letters file (the columns of DEAD_LETTER_COLUMNS, in their order):
// where the message was, its raw key and value bytes, and why it was not loaded. Topic and CDC
// extracts stage their dead letters alike, so one warehouse table and one COPY serve both.
import { byteaHex, csvLine } from './kafka/csv.js';

export interface DeadLetterFields {
  partition: number;
  offset: number | bigint;
  /** The message's timestamp as ISO text, or null. */
  at: string | null;
  key: Buffer | null;
  value: Buffer | null;
  /** A short code (or "skipped by operator"). */
  reason: string;
  /** The field or column the reason is about, when it is one. */
  field: string | null;
  detail: string;
}

export function deadLetterLine(d: DeadLetterFields): string {
  return csvLine([String(d.partition), String(d.offset), d.at, byteaHex(d.key), byteaHex(d.value), d.reason, d.field, d.detail]);
}

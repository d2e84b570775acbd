// NULL in the S3 stage's CSV. Everything Tributary stages is PostgreSQL CSV: NULL is an empty
// unquoted field and an empty string is "". Redshift's COPY cannot tell those apart (EMPTYASNULL
// turns both into NULL, without it both load as ''), so the S3 stage, which is Redshift's COPY
// input, writes NULL as an explicit marker that COPY reads with NULL AS, and quotes a real value
// equal to the marker. Its reader turns the marker back into PostgreSQL's form, so every other
// reader of the stage sees the same CSV as from the file stage. Pure: whole records in, out.
import { Transform } from 'node:stream';
import { CsvRecordScanner } from './slices.js';

/** The field that means NULL in S3 stage files (COPY ... NULL AS). No quote, comma, backslash or newline. */
export const STAGE_NULL = '~NULL~';

const COMMA = 0x2c;
const NL = 0x0a;
const QUOTE = 0x22;
const MARKER = Buffer.from(STAGE_NULL);

/** True when an unquoted field equal to the marker starts at `i` (it ends at a comma or a newline). */
function markerAt(buf: Buffer, i: number): boolean {
  const end = i + MARKER.length;
  if (end >= buf.length) return false;
  const next = buf[end];
  return (next === COMMA || next === NL) && buf.compare(MARKER, 0, MARKER.length, i, end) === 0;
}

/** What replaces the start of an unquoted field: `put` in place of its first `skip` bytes. */
type FieldEdit = { put: Buffer; skip: number } | null;

/**
 * Walks whole records (`records` starts at a record start) and, at the first byte of every
 * unquoted field (an empty field's first byte is its comma or newline), lets `edit` replace it.
 */
function editFieldStarts(records: Buffer, edit: (records: Buffer, i: number) => FieldEdit): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  let fieldStart = true;
  let quoted = false;
  for (let i = 0; i < records.length; i++) {
    const b = records[i];
    if (quoted) {
      if (b === QUOTE) quoted = false;
      continue;
    }
    if (fieldStart) {
      fieldStart = false;
      const change = edit(records, i);
      if (change) {
        parts.push(records.subarray(from, i), change.put);
        from = i + change.skip;
        if (change.skip > 0) {
          i = from - 1;
          continue;
        }
      }
    }
    if (b === QUOTE) quoted = true;
    else if (b === COMMA || b === NL) fieldStart = true;
  }
  if (parts.length === 0) return records;
  parts.push(records.subarray(from));
  return Buffer.concat(parts);
}

const QUOTED_MARKER = Buffer.from(`"${STAGE_NULL}"`);
const NOTHING = Buffer.alloc(0);

/**
 * PostgreSQL CSV -> stage CSV: an empty unquoted field becomes the marker; an unquoted value equal
 * to the marker is quoted. `records` holds whole records (it starts at a record start).
 */
export function toStageNulls(records: Buffer): Buffer {
  return editFieldStarts(records, (buf, i) => {
    const b = buf[i];
    if (b === COMMA || b === NL) return { put: MARKER, skip: 0 };
    return markerAt(buf, i) ? { put: QUOTED_MARKER, skip: MARKER.length } : null;
  });
}

/** Stage CSV -> PostgreSQL CSV: an unquoted marker field becomes empty (a quoted one stays a string). */
export function fromStageNulls(records: Buffer): Buffer {
  return editFieldStarts(records, (buf, i) => (markerAt(buf, i) ? { put: NOTHING, skip: MARKER.length } : null));
}

/** A stream that applies `fn` to whole records only (a record cut between chunks waits for its end). */
export function recordTransform(fn: (records: Buffer) => Buffer): Transform {
  const scanner = new CsvRecordScanner();
  let carry = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const ends = scanner.ends(chunk);
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const cut = ends.length ? ends.at(-1)! + carry.length : 0;
      carry = Buffer.from(data.subarray(cut));
      cb(null, cut > 0 ? fn(data.subarray(0, cut)) : undefined);
    },
    flush(cb) {
      cb(carry.length > 0 ? new Error('staged CSV ends in the middle of a record') : null);
    },
  });
}

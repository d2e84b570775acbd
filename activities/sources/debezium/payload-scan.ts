// The parts of a Debezium change event's payload that decoding needs, read from its bytes without
// parsing the whole payload: most of it is the source block, of which only a few fields matter,
// and parsing it whole made much of the garbage of a batch. Only the row texts (before, after)
// are left for JSON.parse. Used when the message's schema says how the payload is laid out
// (checked once per schema by `standardLayout`: the JSON converter writes a struct's fields in
// its schema's order, every one of them); anything unexpected returns null and the caller parses
// the payload whole, so a surprise costs time, never a wrong value. Byte loops in JavaScript,
// not Buffer methods: for spans this short a call into the runtime costs more than the loop. Pure.
import { at, BACKSLASH, CLOSE_OBJECT, COLON, COMMA, OPEN_OBJECT, QUOTE, stringEnd, valueEnd } from './json-bytes.js';
import { sequenceCommitLsn, sequenceLsn } from './sequence-lsn.js';
import { snapshotMark, type SnapshotMark } from './snapshot-mark.js';

interface FieldSchema {
  type: string;
  field?: string;
  fields?: FieldSchema[];
}

/** What reading a payload needs to know from its schema. */
export interface PayloadLayout {
  /** `,"name":` of each field between source and op (usually just transaction). */
  between: Uint8Array[];
}

const FLAT = new Set(['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string', 'bytes']);
const lit = (s: string) => Buffer.from(s, 'latin1');

/**
 * The layout of an envelope schema whose fields are before, after, a flat source block, then
 * maybe others, then op; null for any other shape.
 */
export function standardLayout(envelopeFields: readonly FieldSchema[] | undefined): PayloadLayout | null {
  const names = (envelopeFields ?? []).map((f) => f.field);
  if (names[0] !== 'before' || names[1] !== 'after' || names[2] !== 'source') return null;
  const source = envelopeFields![2]!;
  if (source.type !== 'struct' || !source.fields?.every((f) => FLAT.has(f.type))) return null;
  const op = names.indexOf('op');
  if (op < 3) return null;
  return { between: names.slice(3, op).map((n) => lit(`,"${n}":`)) };
}

export interface PayloadParts {
  op: string;
  /** JSON text of the row (null when the payload has none). */
  before: string | null;
  after: string | null;
  lsn: bigint | undefined;
  /** source.sequence's lastCommitLsn (see sequence-lsn.ts). */
  commitLsn: bigint | undefined;
  txId: bigint | null;
  tsMs: number;
  snapshot: boolean;
  snapshotMark: SnapshotMark;
  schema: string;
  table: string;
}

/** PayloadParts with the rows left as bytes: where each lies in the message, start -1 for null. */
export interface PayloadSpans extends Omit<PayloadParts, 'before' | 'after'> {
  beforeStart: number;
  beforeEnd: number;
  afterStart: number;
  afterEnd: number;
}

const BEFORE = lit('{"before":');
const AFTER = lit(',"after":');
const SOURCE = lit(',"source":');
const OP = lit(',"op":');
const NULL = lit('null');
const FALSE = lit('false');
const TRUE = lit('true');
const FALSE_TEXT = lit('"false"');
const KEY_LSN = lit('lsn');
const KEY_TXID = lit('txId');
const KEY_TS_MS = lit('ts_ms');
const KEY_SNAPSHOT = lit('snapshot');
const KEY_SCHEMA = lit('schema');
const KEY_TABLE = lit('table');
const KEY_SEQUENCE = lit('sequence');

function same(b: Uint8Array, start: number, end: number, what: Uint8Array): boolean {
  return end - start === what.length && at(b, start, what);
}

const FAIL = Symbol('fail');

/** The integer literal in [s, e): exact; undefined for null; FAIL for anything else. */
function integer(b: Uint8Array, s: number, e: number): bigint | undefined | typeof FAIL {
  if (same(b, s, e, NULL)) return undefined;
  let j = s;
  if (b[j] === 0x2d) j++;
  if (j === e) return FAIL;
  let n = 0;
  for (let k = j; k < e; k++) {
    const d = b[k]! - 0x30;
    if (d < 0 || d > 9) return FAIL;
    n = n * 10 + d;
  }
  // Up to 15 digits the double is exact; longer ones go through their text.
  if (e - j <= 15) return BigInt(b[s] === 0x2d ? -n : n);
  return BigInt(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1'));
}

/** The string literal in [s, e): its text; null for null; FAIL for anything else. */
function text(b: Buffer, s: number, e: number): string | null | typeof FAIL {
  if (same(b, s, e, NULL)) return null;
  if (b[s] !== QUOTE || b[e - 1] !== QUOTE || e - s < 2) return FAIL;
  for (let k = s + 1; k < e - 1; k++) if (b[k] === BACKSLASH) return JSON.parse(b.toString('utf8', s, e)) as string;
  return b.toString('utf8', s + 1, e - 1);
}

/** The source block's fields, and where the block ends. */
interface Source extends Omit<PayloadParts, 'op' | 'before' | 'after'> {
  end: number;
}

/** The fields of a flat source block starting at i (a key given twice counts last, as JSON.parse has it). */
function source(b: Buffer, i: number, limit: number): Source | null {
  if (b[i] !== OPEN_OBJECT) return null;
  const out: Source = { lsn: undefined, commitLsn: undefined, txId: null, tsMs: 0, snapshot: false, snapshotMark: null, schema: '', table: '', end: -1 };
  let j = i + 1;
  if (b[j] === CLOSE_OBJECT) {
    out.end = j + 1;
    return out;
  }
  // Its lastCommitLsn versions streamed changes; its lsn stands in when source.lsn is null (incremental snapshot reads).
  let sequence: [number, number] | null = null;
  const done = (end: number) => {
    out.end = end;
    if (sequence) {
      const v = text(b, sequence[0], sequence[1]);
      if (v === FAIL) return null;
      out.commitLsn = sequenceCommitLsn(v);
      if (out.lsn === undefined) out.lsn = sequenceLsn(v);
    }
    return out;
  };
  for (;;) {
    if (b[j] !== QUOTE) return null;
    const keyEnd = stringEnd(b, j, limit);
    if (keyEnd < 0 || b[keyEnd + 1] !== COLON) return null;
    const k0 = j + 1;
    const vs = keyEnd + 2;
    const ve = valueEnd(b, vs, limit);
    if (ve < 0) return null;
    if (same(b, k0, keyEnd, KEY_LSN)) {
      const v = integer(b, vs, ve);
      if (v === FAIL) return null;
      out.lsn = v;
    } else if (same(b, k0, keyEnd, KEY_TXID)) {
      const v = integer(b, vs, ve);
      if (v === FAIL) return null;
      out.txId = v ?? null;
    } else if (same(b, k0, keyEnd, KEY_TS_MS)) {
      const v = integer(b, vs, ve);
      if (v === FAIL) return null;
      out.tsMs = v === undefined ? 0 : Number(v);
    } else if (same(b, k0, keyEnd, KEY_SNAPSHOT)) {
      // "true", "first", "last", "incremental", …; "false", false or null while streaming.
      if (same(b, vs, ve, NULL) || same(b, vs, ve, FALSE) || same(b, vs, ve, FALSE_TEXT)) {
        out.snapshot = false;
        out.snapshotMark = null;
      } else if (same(b, vs, ve, TRUE)) {
        out.snapshot = true;
        out.snapshotMark = null;
      } else if (b[vs] === QUOTE) {
        const v = text(b, vs, ve);
        if (v === FAIL) return null;
        out.snapshot = true;
        out.snapshotMark = snapshotMark(v);
      } else return null;
    } else if (same(b, k0, keyEnd, KEY_SEQUENCE)) {
      sequence = [vs, ve];
    } else if (same(b, k0, keyEnd, KEY_SCHEMA) || same(b, k0, keyEnd, KEY_TABLE)) {
      const v = text(b, vs, ve);
      if (v === FAIL) return null;
      if (b[k0] === 0x73) out.schema = v ?? '';
      else out.table = v ?? '';
    }
    if (b[ve] === CLOSE_OBJECT) return done(ve + 1);
    if (b[ve] !== COMMA) return null;
    j = ve + 1;
  }
}

/** End of a row value (null or an object) starting at i, or -1. */
function rowEnd(b: Uint8Array, i: number, limit: number): number {
  if (at(b, i, NULL)) return i + NULL.length;
  return b[i] === OPEN_OBJECT ? valueEnd(b, i, limit) : -1;
}

function isNull(b: Uint8Array, s: number, e: number): boolean {
  return e === s + NULL.length && at(b, s, NULL);
}

/** The parts of the payload in b[start, end), or null when it does not have the expected shape. */
export function scanPayload(b: Buffer, start: number, end: number, layout: PayloadLayout): PayloadParts | null {
  const p = scanPayloadSpans(b, start, end, layout);
  if (!p) return null;
  const { beforeStart, beforeEnd, afterStart, afterEnd, ...rest } = p;
  return {
    ...rest,
    before: beforeStart < 0 ? null : b.toString('utf8', beforeStart, beforeEnd),
    after: afterStart < 0 ? null : b.toString('utf8', afterStart, afterEnd),
  };
}

/** scanPayload without turning the rows into text: what collapsing before parsing reads. */
export function scanPayloadSpans(b: Buffer, start: number, end: number, layout: PayloadLayout): PayloadSpans | null {
  if (!at(b, start, BEFORE)) return null;
  const beforeStart = start + BEFORE.length;
  const beforeEnd = rowEnd(b, beforeStart, end);
  if (beforeEnd < 0 || !at(b, beforeEnd, AFTER)) return null;
  const afterStart = beforeEnd + AFTER.length;
  const afterEnd = rowEnd(b, afterStart, end);
  if (afterEnd < 0 || !at(b, afterEnd, SOURCE)) return null;
  const src = source(b, afterEnd + SOURCE.length, end);
  if (!src) return null;
  let i = src.end;
  for (const name of layout.between) {
    if (!at(b, i, name)) return null;
    i = valueEnd(b, i + name.length, end);
    if (i < 0) return null;
  }
  if (!at(b, i, OP)) return null;
  const opEnd = valueEnd(b, i + OP.length, end);
  const op = opEnd < 0 ? FAIL : text(b, i + OP.length, opEnd);
  if (typeof op !== 'string') return null;

  const beforeNull = isNull(b, beforeStart, beforeEnd);
  const afterNull = isNull(b, afterStart, afterEnd);
  return {
    op,
    beforeStart: beforeNull ? -1 : beforeStart,
    beforeEnd: beforeNull ? -1 : beforeEnd,
    afterStart: afterNull ? -1 : afterStart,
    afterEnd: afterNull ? -1 : afterEnd,
    lsn: src.lsn,
    commitLsn: src.commitLsn,
    txId: src.txId,
    tsMs: src.tsMs,
    snapshot: src.snapshot,
    snapshotMark: src.snapshotMark,
    schema: src.schema,
    table: src.table,
  };
}

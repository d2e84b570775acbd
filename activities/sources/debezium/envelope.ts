// The JSON converter's envelope, {"schema":S,"payload":P}, split on the raw bytes. Every message
// of a topic repeats the same schema S (most of its bytes), so S is recognised by comparing bytes
// with the schemas seen before, and only P is turned into text and parsed. Pure.
import { at, CLOSE_OBJECT, OPEN_OBJECT, valueEnd } from './json-bytes.js';

const HEAD = Buffer.from('{"schema":', 'latin1');
const SEP = Buffer.from(',"payload":', 'latin1');

/** Where S and P lie in the message: [schemaStart, schemaEnd) and [payloadStart, payloadEnd). */
export interface EnvelopeParts {
  schemaStart: number;
  schemaEnd: number;
  payloadStart: number;
  payloadEnd: number;
}

function partsAt(b: Buffer, schemaEnd: number): EnvelopeParts | null {
  // P runs to the message's closing brace (the converter writes no whitespace).
  if (!at(b, schemaEnd, SEP) || b[b.length - 1] !== CLOSE_OBJECT) return null;
  const payloadStart = schemaEnd + SEP.length;
  if (payloadStart >= b.length - 1) return null;
  return { schemaStart: HEAD.length, schemaEnd, payloadStart, payloadEnd: b.length - 1 };
}

/**
 * S and P of a message of the shape {"schema":{…},"payload":…}, or null when it has another
 * shape (a schemaless message, a bare value, whitespace): the caller then parses it whole. The
 * schema's end is found by its brackets, so a "payload" key or text inside the schema, or a
 * column named payload, cannot mislead it.
 */
export function splitEnvelope(b: Buffer): EnvelopeParts | null {
  if (!at(b, 0, HEAD) || b[HEAD.length] !== OPEN_OBJECT) return null;
  const end = valueEnd(b, HEAD.length, b.length);
  return end < 0 ? null : partsAt(b, end);
}

interface Entry<T> {
  bytes: Buffer;
  value: T;
}

/**
 * Schemas seen before, by their bytes, newest hit first. A message whose bytes after the head
 * equal a known schema, followed by ',"payload":', has that schema: a complete JSON value ends
 * where it ends, so no scan is needed. The parsed value and anything derived from it are kept.
 */
export class SchemaCache<T> {
  private entries: Entry<T>[] = [];
  constructor(private readonly max = 16) {}

  /** The cached value for the message's schema and where its payload is, or null on a miss. */
  lookup(b: Buffer): { value: T; parts: EnvelopeParts } | null {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const end = HEAD.length + e.bytes.length;
      // The long compare is Buffer's (memcmp); the short ones are byte loops.
      if (b.length <= end || !at(b, 0, HEAD) || b.compare(e.bytes, 0, e.bytes.length, HEAD.length, end) !== 0) continue;
      const parts = partsAt(b, end);
      if (!parts) continue;
      if (i > 0) {
        entries.splice(i, 1);
        entries.unshift(e);
      }
      return { value: e.value, parts };
    }
    return null;
  }

  /** Remembers the schema bytes of `b` (a copy: the message's buffer is not kept alive). */
  add(b: Buffer, parts: EnvelopeParts, value: T): void {
    this.entries.unshift({ bytes: Buffer.from(b.subarray(parts.schemaStart, parts.schemaEnd)), value });
    if (this.entries.length > this.max) this.entries.length = this.max;
  }
}

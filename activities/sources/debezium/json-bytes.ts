// Finding things in JSON text as bytes, without parsing it: where a value ends, whether bytes
// are there. Byte loops in JavaScript: for the short spans of a message a call into the runtime
// (Buffer.compare, indexOf) costs more than the loop. They do not validate: callers parse or
// check what they cut out. Pure.

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Whether `what` is at b[i]. */
export function at(b: Uint8Array, i: number, what: Uint8Array): boolean {
  if (i < 0 || i + what.length > b.length) return false;
  for (let k = 0; k < what.length; k++) if (b[i + k] !== what[k]) return false;
  return true;
}

/** Index of the quote closing the string whose opening quote is at i (before limit), or -1. */
export function stringEnd(b: Uint8Array, i: number, limit: number): number {
  for (let j = i + 1; j < limit; j++) {
    const c = b[j];
    if (c === QUOTE) return j;
    if (c === BACKSLASH) j++;
  }
  return -1;
}

/**
 * End (exclusive) of the JSON value starting at i: an object or array by its brackets outside
 * strings, a string by its closing quote, anything else up to the next , } or ]. -1 when it does
 * not end before limit.
 */
export function valueEnd(b: Uint8Array, i: number, limit: number): number {
  const first = b[i];
  if (first === QUOTE) {
    const e = stringEnd(b, i, limit);
    return e < 0 ? -1 : e + 1;
  }
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let j = i;
    while (j < limit && b[j] !== COMMA && b[j] !== CLOSE_OBJECT && b[j] !== CLOSE_ARRAY) j++;
    return j > i && j < limit ? j : -1;
  }
  let depth = 0;
  for (let j = i; j < limit; j++) {
    const c = b[j];
    if (c === QUOTE) {
      j = stringEnd(b, j, limit);
      if (j < 0) return -1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
    } else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) {
      return j + 1;
    }
  }
  return -1;
}

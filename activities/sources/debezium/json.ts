// JSON.parse that keeps 64-bit integers exact. Debezium events carry int64 values past 2^53
// (ts_ns always; MicroTimestamps after 2255; bigint keys), which JSON.parse would round. Integer
// literals of 16+ digits are turned into marked strings before parsing, and readers turn them
// into bigint. PostgreSQL text and jsonb cannot hold NUL, so the marker never collides with data.

const MARK = '\u0000int:';
// Fast path: a long integer where a JSON value starts and ends (every number in valid JSON is
// such a one). Inside a string literal such a digit run would get a quote and a backslash
// inserted, which no JSON parser accepts, so a false match always fails to parse and the exact
// path below runs instead.
const LONG_INT_FAST = /(^|[:,[])(\s*)(-?\d{16,})(?=\s*(?:[,}\]]|$))/g;
// Exact path: whole string literals are matched (and kept) so digits inside them are never touched.
const LONG_INT_EXACT = /"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\d.eE+-])(-?\d{16,})(?![\d.eE])/g;

const mark = (digits: string) => `"\\u0000int:${digits}"`;

export function parseJson(text: string): unknown {
  const fast = text.replace(LONG_INT_FAST, (_m, before: string, space: string, digits: string) => `${before}${space}${mark(digits)}`);
  try {
    return JSON.parse(fast) as unknown;
  } catch {
    const exact = text.replace(LONG_INT_EXACT, (m: string, digits: string | undefined) => (digits === undefined ? m : mark(digits)));
    return JSON.parse(exact) as unknown;
  }
}

/** The exact integer behind a JSON number read by parseJson, or undefined if `v` is not one. */
export function jsonInteger(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && v.startsWith(MARK)) return BigInt(v.slice(MARK.length));
  return undefined;
}

/** True for a long integer that parseJson kept as a marked string. */
export function isMarkedInteger(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith(MARK);
}

/** JSON text of a value read by parseJson, with long integers written back as numbers. */
export function stringifyJson(v: unknown): string {
  return JSON.stringify(v).replace(/"\\u0000int:(-?\d+)"/g, '$1');
}

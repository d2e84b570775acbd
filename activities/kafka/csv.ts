// One CSV line as PostgreSQL's COPY (FORMAT csv) reads it: null is an empty unquoted field,
// everything that could be misread (quotes, separators, line breaks, backslashes, "") is quoted.

const NEEDS_QUOTES = /[",\r\n\\]/;

export function csvField(v: string | null): string {
  if (v === null) return '';
  if (v === '' || NEEDS_QUOTES.test(v)) return `"${v.replaceAll('"', '""')}"`;
  return v;
}

export function csvLine(fields: readonly (string | null)[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** Bytes as PostgreSQL's bytea hex input ("\x0a1b…"). */
export function byteaHex(b: Buffer | null): string | null {
  return b === null ? null : `\\x${b.toString('hex')}`;
}

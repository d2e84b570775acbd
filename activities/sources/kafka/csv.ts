// One CSV line as PostgreSQL's COPY (FORMAT csv) reads it: null is an empty unquoted field,
// everything that could be misread (quotes, separators, line breaks, backslashes, "") is quoted.

const NEEDS_QUOTES = /[",\r\n\\]/;

export function csvField(v: string | null): string {
  if (v === null) return '';
  if (v === '' || NEEDS_QUOTES.test(v)) return `"${v.replaceAll('"', '""')}"`;
  return v;
}

/** The fields, comma-separated, without the line end (a caller may append fields that need no quoting). */
export function csvFields(fields: readonly (string | null)[]): string {
  let out = fields.length > 0 ? csvField(fields[0] as string | null) : '';
  for (let i = 1; i < fields.length; i++) out += `,${csvField(fields[i] as string | null)}`;
  return out;
}

export function csvLine(fields: readonly (string | null)[]): string {
  return `${csvFields(fields)}\n`;
}

/** Bytes as PostgreSQL's bytea hex input ("\x0a1b…"). */
export function byteaHex(b: Buffer | null): string | null {
  return b === null ? null : `\\x${b.toString('hex')}`;
}

/**
 * CSV lines gathered as UTF-8 bytes in one buffer: each line string dies young, where one long
 * string of a whole batch would be copied around by the garbage collector until it is written.
 */
export class CsvBytes {
  #buf: Buffer;
  #length = 0;

  constructor(sizeHint: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(1024, sizeHint));
  }

  add(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const room = this.#length + 3 * line.length;
    if (room > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(room, 2 * this.#buf.length));
      this.#buf.copy(grown, 0, 0, this.#length);
      this.#buf = grown;
    }
    this.#length += this.#buf.write(line, this.#length);
  }

  /** The bytes added so far (a view: add nothing after taking it). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#length);
  }
}

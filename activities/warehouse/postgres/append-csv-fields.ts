// Appends the same fields to every record of a CSV stream (PostgreSQL's CSV: records end in
// \n outside quotes; a quoted field may hold newlines and doubled quotes). It lets a first
// load COPY the staged file straight into the target with its lineage columns, instead of
// writing every row twice (temp table, then INSERT ... SELECT).
import { Transform } from 'node:stream';

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** A CSV field, always quoted: the values are ids and timestamps, but nothing is assumed. */
export function csvField(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

export function appendCsvFields(values: string[]): Transform {
  const suffix = Buffer.from(values.map((v) => `,${csvField(v)}`).join(''));
  let quoted = false; // carried across chunks: a record may span them
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const parts: Buffer[] = [];
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === QUOTE) quoted = !quoted; // "" inside a quoted field toggles twice
        else if (b === NEWLINE && !quoted) {
          parts.push(chunk.subarray(start, i), suffix);
          start = i; // the newline itself goes out with the next part
        }
      }
      parts.push(chunk.subarray(start));
      cb(null, Buffer.concat(parts));
    },
  });
}

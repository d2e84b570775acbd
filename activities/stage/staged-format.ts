// What a staged file holds, told by its name so that any reader (merge, replay) knows it
// without more state: PostgreSQL's binary COPY format ("….bin.gz") or CSV (every other name).
// Binary is for a PostgreSQL warehouse reading a PostgreSQL source whose column types are all
// built in: no value is printed at the source or parsed again at the warehouse. Everything
// else, and every Redshift load, is CSV. Both are gzip-compressed.
import { createGunzip, type Gunzip } from 'node:zlib';
import { badInput } from '../errors.js';

export type StagedFormat = 'csv' | 'binary';

const BINARY_SUFFIX = '.bin.gz';

export function stagedFormat(key: string): StagedFormat {
  return key.endsWith(BINARY_SUFFIX) ? 'binary' : 'csv';
}

/** The name of a staged file of this format, e.g. stagedFileName('part-00000', 'binary') = "part-00000.bin.gz". */
export function stagedFileName(base: string, format: StagedFormat): string {
  return `${base}${format === 'binary' ? BINARY_SUFFIX : '.csv.gz'}`;
}

/** The FORMAT option of a COPY reading or writing this format. */
export function copyFormatOption(format: StagedFormat): string {
  return `FORMAT ${format}`;
}

/**
 * Decompresses a staged file for a COPY into the warehouse. Big output chunks: every chunk is
 * a callback, a CopyData message and a socket write, and a file is hundreds of megabytes.
 */
export function gunzipStaged(): Gunzip {
  return createGunzip({ chunkSize: 256 * 1024 });
}

/**
 * A staged file that no longer decompresses (cut short, or changed after the extract wrote it)
 * fails the same way on every attempt: a non-retryable error naming the file, nothing merged.
 * Any other error is returned as it was.
 */
export function stagedFileError(err: unknown, key: string, label: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return err;
  return badInput(`${label}: staged file ${key} is not whole (${(err as Error).message}): it was cut short or changed after the extract; nothing was merged`);
}

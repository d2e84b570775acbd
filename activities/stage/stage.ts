// A stage holds batches between extract and merge as gzip-compressed CSV or binary COPY files
// (staged-format.ts). Only the references travel through workflow history; the rows stay here.
import type { Readable, Writable } from 'node:stream';

export interface StagedFile {
  /** Key inside the stage, e.g. "orders/us/<run>/0-app-us.csv.gz". */
  key: string;
  rows: number;
  bytes: number;
  /** sha256 of the uncompressed content, when the writer computed it. */
  sha256?: string;
}

export interface StageWriter {
  /** Compressed bytes go here. */
  stream: Writable;
  /** Makes the file visible under its key (atomically) once the stream has finished. */
  commit(rows: number): Promise<StagedFile>;
  /** Drops a half-written file. */
  abort(): Promise<void>;
}

export interface Stage {
  /** Where the stage lives, for messages. */
  readonly describe: string;
  writer(key: string): Promise<StageWriter>;
  reader(key: string): Readable;
  /** Keys under a prefix (for replay and retention). */
  list(prefix: string): Promise<string[]>;
  remove(key: string): Promise<void>;
}

// Splitting one staged CSV stream into files for Redshift: a multiple of the slice count, each
// cut at whole records and at about a size bound. Pure: the S3 stage feeds it bytes.
import { stagedFileName, stagedFormat } from './staged-format.js';

/**
 * Finds where CSV records end in a stream of chunks. A newline ends a record only outside
 * quotes; a doubled quote inside a quoted field toggles twice, so counting quotes is enough.
 */
export class CsvRecordScanner {
  private quoted = false;

  /** Offsets just past each record end (the '\n') in this chunk. */
  ends(chunk: Buffer): number[] {
    const out: number[] = [];
    let quoted = this.quoted;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x22) quoted = !quoted;
      else if (b === 0x0a && !quoted) out.push(i + 1);
    }
    this.quoted = quoted;
    return out;
  }

  /** True when the bytes seen so far end inside a quoted field (the stream was cut short). */
  get insideQuotes(): boolean {
    return this.quoted;
  }
}

/**
 * Decides which file of the current set a block of records goes to. Blocks go round-robin over
 * `sliceCount` files, so every slice gets the same share; when the set's files reach the size
 * bound a new set of `sliceCount` files starts. The count is therefore always a multiple of the
 * slice count; files are under 1 MB only when the whole batch is under sliceCount MB.
 */
export class SlicePlan {
  private set = 0;
  private next = 0;

  constructor(
    readonly sliceCount: number,
    private readonly maxFileBytes: number,
  ) {
    if (!Number.isInteger(sliceCount) || sliceCount < 1) throw new Error(`slice count must be a positive whole number, got ${sliceCount}`);
    if (!(maxFileBytes > 0)) throw new Error(`file size bound must be positive, got ${maxFileBytes}`);
  }

  /** The file index (set * sliceCount + slot) for the next block, given the compressed bytes written so far to each file. */
  place(bytesPerFile: readonly number[]): number {
    const base = this.set * this.sliceCount;
    const current = bytesPerFile.slice(base, base + this.sliceCount);
    // A new set once every file of this one is full: the set stays balanced across slices.
    if (current.length === this.sliceCount && current.every((b) => b >= this.maxFileBytes)) {
      this.set++;
      this.next = 0;
    }
    const file = this.set * this.sliceCount + this.next;
    this.next = (this.next + 1) % this.sliceCount;
    return file;
  }

  /** Files the batch has once finished: whole sets only (empty files pad the last set). */
  get files(): number {
    return (this.set + 1) * this.sliceCount;
  }
}

/** Name of part `index` of a staged file: beside it, sorted, e.g. "x.csv.gz" -> "x.csv.gz.parts/00003.csv.gz". */
export function partKey(key: string, index: number): string {
  return `${key}.parts/${String(index).padStart(5, '0')}${stagedFileName('', stagedFormat(key))}`;
}

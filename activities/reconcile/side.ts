// What verify and repair ask of the warehouse side: the two bucket reads every side answers,
// the target's columns, and the repair writes with their ledger rows.
import type { ColumnSpec } from '../specs/columns.js';
import type { BucketTable, RowForm } from './bucket-sql.js';
import type { BucketReader } from './read.js';

/** Re-sync writes, each in one transaction with its ledger row (a retried one finds the row and does nothing). */
export interface DeleteExtra {
  ledgerId: string;
  pipeline: string;
  region: string;
  source: string;
  stream: string;
  cutoff: string | null;
  target: BucketTable;
  key: ColumnSpec[];
  /** The source's keys of the buckets, one text array per key column. */
  keep: string[][];
  /** The same keys as key texts in this side's form (what its bucket rows name them by). */
  keepTexts: string[];
  buckets: number;
  only: number[];
}

/** What a repair's ledger row says it covered. */
export const repairChecksum = (d: Pick<DeleteExtra, 'buckets' | 'only'>) => `repair:buckets ${d.only.join(',')} of ${d.buckets}`;

/** Offsets [from, to) of one partition, as loaded from one cell cluster. */
export interface OffsetRange {
  source: string;
  partition: number;
  from: number;
  to: number;
}

export interface WarehouseSide extends BucketReader {
  /** How the source must write key texts and row hashes to compare with this side (none: the record form). */
  sourceForm?: RowForm;
  /** The target's column names (empty: no target table yet). */
  targetColumns(schema: string, table: string): Promise<Set<string>>;
  /** Deletes the buckets' rows of one source whose key the source lacks; returns how many. */
  deleteExtra(d: DeleteExtra): Promise<number>;
  /** Dimensions: forgets the stored row hash of some keys (their text form); returns how many. */
  invalidateHashes(t: BucketTable, source: string, keys: string[]): Promise<number>;
  /**
   * CDC: deletes (or marks deleted) the rows of these keys (their key texts, as this side's bucket
   * rows name them) older than the LSN; returns how many. `label` names pipeline, region, source and table.
   */
  deleteKeysBefore(t: BucketTable & { warehouse: { source: string[]; softDeletes: boolean } }, keys: string[], lsn: string, label: string): Promise<number>;
  /**
   * CDC resnapshots: deletes (or marks deleted) the rows older than the LSN, of these keys only
   * (column values as text; absent: any key) and up to this key (integer values; absent: any);
   * returns how many. `label` names pipeline, region, source and table.
   */
  deleteOlderRows(t: BucketTable & { warehouse: { source: string[]; softDeletes: boolean } }, lsn: string, scope: { keys?: string[][]; upTo?: string[] }, label: string): Promise<number>;
  /** Topics: the offsets of one partition range the target's rows of one source hold (none: no target table). */
  targetOffsets(target: { schema: string; table: string }, range: OffsetRange): Promise<number[]>;
  /** Topics: the offsets of one partition range the pipeline dead-lettered (a retention gap is not one). */
  deadLetterOffsets(pipeline: string, topic: string, range: OffsetRange): Promise<number[]>;
}

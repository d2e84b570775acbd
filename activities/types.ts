// What passes between workflow and activities: references, ranges and counts, never rows.
import type { ColumnSpec } from './specs/columns.js';
import type { StagedFile } from './stage/stage.js';

export interface SyncInput {
  pipeline: string;
  region: string;
  /** Incremental dimensions: do a full pass (whole table, deletes found) now, whatever its schedule. */
  fullPass?: boolean;
}

/** A position in (watermark, key) order: the last row of a chunk. */
export interface KeysetBound {
  watermark: string;
  key: string[];
}

/** What every kind's unit carries (a kind's own unit extends it). */
export interface UnitBase {
  pipeline: string;
  region: string;
  /** Endpoint id, e.g. "app/us". */
  source: string;
  /** Source table, e.g. "public.orders". */
  stream: string;
  /** Unique per run and unit: a retried merge of a committed batch is a no-op. */
  batchId: string;
  /** Stage folder of this unit. */
  stagePrefix: string;
  /** The checkpoint written with this unit's merge; null when the kind keeps none. */
  checkpoint: string | null;
  /** The ledger stream of that checkpoint when it is not `stream` (a naive watermark read in a zone other than UTC). */
  checkpointStream?: string;
  /** More forward-only positions written with the merge, under streams of their own. */
  markers?: { stream: string; position: string }[];
  /** A small read: its plan's activity extracts and merges it (activities/inline-units.ts). */
  inline?: true;
}

/** One chunk of one watermark range of a fact table on one source server. */
export interface FactUnit extends UnitBase {
  kind: 'fact';
  /** Inclusive lower watermark (checkpoint minus look-back); null on a first load. */
  from: string | null;
  /** Exclusive upper watermark: the safe upper bound of the run. */
  to: string;
  /** Keyset bounds of the chunk inside [from, to): after < (watermark, key) <= until. */
  after: KeysetBound | null;
  until: KeysetBound | null;
}

/** A dimension table on one source server: the whole table, or (incremental mode) a window of changed rows. */
export interface DimensionUnit extends UnitBase {
  kind: 'dimension';
  /** Only rows with from <= column < to; null for a full read, which also finds deletes. */
  window: { column: string; from: string | null; to: string } | null;
}

/**
 * Offsets [from, to) of one partition of a topic on one cell cluster. `committed` is the
 * ledger's next offset this batch follows (null: none yet); the merge applies the batch only
 * from the ledger's position, so a retry never loads twice and never skips.
 */
export interface TopicUnit extends UnitBase {
  kind: 'topic';
  cell: string;
  topic: string;
  partition: number;
  from: number;
  to: number;
  committed: number | null;
  /** The partition's end offset when planned (offset lag = endOffset - to). */
  endOffset: number;
}

/** One partition's exact offsets [from, to) in a CDC batch, following the ledger's position `committed`. */
export interface CdcRange {
  partition: number;
  from: number;
  to: number;
  committed: number | null;
  endOffset: number;
}

/**
 * A Debezium topic of one cell cluster: every partition's range in one batch, so a primary-key
 * change (delete of the old key and create of the new one, maybe in different partitions) is
 * applied together.
 */
export interface CdcUnit extends UnitBase {
  kind: 'cdc';
  cell: string;
  topic: string;
  ranges: CdcRange[];
}

/**
 * Each kind's unit under its kind's name. Nothing is listed here: a kind registers its unit from
 * its own module (`declare module '../../types.js' { interface UnitsByKind { ... } }` in
 * kinds/<kind>/index.ts), so a new kind adds no line to this file; kinds/kind.ts proves that
 * every kind of the config schema registered one and that each carries its own name.
 * The four shapes above stay here because the sources and dialects read them too.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface UnitsByKind {}

export type WorkUnit = UnitsByKind[keyof UnitsByKind];

/** What a staged CDC batch holds besides its rows (one collapsed change per key). */
export interface CdcBatchInfo {
  /** The ranges applied: the unit's, unless a partition was cut before a key change that must wait (key-change-cut.ts). */
  ranges: CdcRange[];
  events: number;
  upserts: number;
  deletes: number;
  /** Source commit time (ms) of the newest change in the batch; null when none. */
  newestSourceTsMs: number | null;
  /** Snapshots read in the batch (snapshot-epochs.ts); absent in batches staged before epochs. */
  snapshots?: CdcSnapshotInfo;
  /** The batch's last truncate, applied before its changes (truncate-cut.ts); null when none. */
  truncate?: { partition: number; version: string } | null;
  /** Events staged as dead letters beside the changes (cdc-dead-letters.ts); absent: none. */
  deadLetters?: { files: StagedFile[]; count: number };
}

/** LSNs are 64-bit: decimal text here, so they travel through workflow history unchanged. */
export interface CdcSnapshotInfo {
  /** Per partition, the newest snapshot point read: its epoch from then on. */
  epochs: { partition: number; lsn: string }[];
  /** Table snapshots' first and last rows, oldest snapshot first. */
  marks: { mark: 'first' | 'last'; lsn: string; partition: number }[];
}

/** What one topic batch consumed, loaded and dead-lettered (for metrics per cluster and partition). */
export interface TopicCounts {
  source: string;
  cell: string;
  topic: string;
  partition: number;
  consumed: number;
  loaded: number;
  deadLettered: number;
  /** Kafka timestamp of the newest message loaded (ISO), for lag in seconds; null when none. */
  newestTimestamp: string | null;
  /** The ledger's next offset after this batch, and the offsets still behind the end when planned. */
  nextOffset: number;
  offsetLag: number;
}

/** What one unit covers, as a run's result and status show it: a watermark range, or offsets of a partition. */
export interface UnitRange {
  source: string;
  partition?: number;
  from: string | null;
  to: string | null;
}

export interface Plan {
  pipeline: string;
  region: string;
  maxParallel: number;
  /** Merges of one source in flight at once (1: one at a time, in plan order). */
  mergeParallel?: number;
  /** The units left for the workflow to extract and merge. */
  units: WorkUnit[];
  /** Units the plan's activity extracted and merged itself (small reads), in plan order. */
  inline?: InlineBatch[];
  /** Per unit planned (merged by the plan or not), in plan order: what it covers (the kind says). */
  ranges: UnitRange[];
  /** Some unit is as large as a batch may be: more is waiting now (a continuous workflow polls again at once). */
  full?: boolean;
  /** Sources that could not be planned: they fail on their own while the others run. */
  failures?: SourceFailure[];
  /** Things a person should look at that do not stop the run (rows stamped in the future). */
  warnings?: string[];
}

/** A unit its plan extracted and merged: the staged batch (what an extract returns, which replay reads) and its merge. */
export interface InlineBatch {
  staged: StagedBatch;
  merged: MergeResult;
}

export interface SourceFailure {
  source: string;
  /** Names the pipeline and the source. */
  message: string;
  /** Bad input (config, schema): retrying will not help until someone fixes it. */
  badInput: boolean;
}

export interface StagedBatch {
  unit: WorkUnit;
  /** Source columns, in table order. */
  columns: ColumnSpec[];
  /** Columns of the staged CSV: the source columns plus any the kind adds (the row hash). */
  stagedColumns: ColumnSpec[];
  files: StagedFile[];
  rows: number;
  /** When the source was read (lineage column _extracted_at). */
  extractedAt: string;
  /** Checksum of the staged data, kept in the ledger. */
  checksum: string;
  /** Topic batches: the dead letters staged beside the rows, and what was consumed. */
  topic?: { deadLetterFiles: StagedFile[]; consumed: number; deadLettered: number; newestTimestamp: string | null };
  /** CDC batches. */
  cdc?: CdcBatchInfo;
  /** The source's later units of this run must not merge (their plan no longer follows this batch); the next run plans them again. */
  endsRun?: boolean;
}

/** A topic unit's staged batch, with its dead letters and counts. */
export type StagedTopicBatch = StagedBatch & { unit: TopicUnit; topic: NonNullable<StagedBatch['topic']> };

/** A CDC unit's staged batch, with what its merge needs of the decoded events. */
export type StagedCdcBatch = StagedBatch & { unit: CdcUnit; cdc: CdcBatchInfo };

/** What a merge did with a batch's rows, as the ledger row, status and the metrics count them. */
export interface RowCounts {
  /** Rows the extract read at the source (topics: messages consumed; CDC: change events). */
  read: number;
  /** Rows (and dead letters) the stage files held when the merge loaded them. */
  staged: number;
  inserted: number;
  updated: number;
  /** Rows that left the target as it was (same row, older version, or already loaded). */
  unchanged: number;
  /** Every row deleted or marked deleted. */
  deleted: number;
  /** Rows dropped for a newer row of the same key in the same batch (CDC: events collapsed at extract). */
  deduplicated: number;
  /** Messages written to the dead-letter table (Redshift pull merges: values quarantined). */
  deadLettered: number;
}

/** RowCounts as merge and run results name them (rowsRead, rowsStaged: the names in workflow history and --json). */
export type ResultCounts = { rowsRead: number; rowsStaged: number } & Omit<RowCounts, 'read' | 'staged'>;

export interface MergeResult extends ResultCounts {
  batchId: string;
  /** Of `deleted`: rows removed because the source no longer has them, not by a staged row. */
  deletedAbsent: number;
  /** Whole reads of a dimension: the source's rows in the target after the merge. */
  targetRows?: number;
  /** Whole reads of a dimension: rows found before the merge minus what the last run left (0: none changed by hand). */
  driftRows?: number;
  /** True when the batch had already committed (a retry): nothing was written this time. */
  alreadyCommitted: boolean;
  /** Topic batches only. */
  topic?: TopicCounts;
  /** CDC batches: source commit time (ms) of the newest change applied; null when none. */
  cdc?: { newestSourceTsMs: number | null; events: number };
}

export interface SyncResult extends ResultCounts {
  pipeline: string;
  region: string;
  units: number;
  /** Per unit: the range loaded (offsets of one partition for topics). */
  ranges: UnitRange[];
  durationMs: number;
  /** The plan's warnings (see Plan.warnings). */
  warnings?: string[];
}

// --- Backfills: a past watermark range (facts) or a full re-sync (dimensions), in chunks. ---

export interface BackfillInput {
  pipeline: string;
  region: string;
  /** One source server (endpoint id, e.g. "app/us"); all of the region's when absent. */
  source?: string;
  /** Facts: inclusive lower and exclusive upper watermark (UTC, WATERMARK_FORMAT); null for dimensions. */
  from: string | null;
  to: string | null;
  /** Rows per chunk and chunks in flight; the pipeline's options when absent. */
  chunkRows?: number;
  maxParallel?: number;
  /** A naive watermark now read in another zone: re-read the range and start the new zone's checkpoint at --from. */
  adoptZone?: boolean;
}

/** One source's chunks: n keyset bounds cut [from, to) into n + 1 chunks. */
export interface BackfillSourcePlan {
  source: string;
  stream: string;
  /** Every chunk's unit is this one, with its own batch id and stage prefix and, when bounds cut it, its keyset bounds. */
  unit: WorkUnit;
  bounds: KeysetBound[];
}

/** Small on purpose: it travels through continue-as-new; units are rebuilt from it chunk by chunk. */
export interface BackfillPlan {
  pipeline: string;
  region: string;
  from: string | null;
  to: string | null;
  maxParallel: number;
  sources: BackfillSourcePlan[];
  chunksTotal: number;
}

export interface BackfillProgress {
  pipeline: string;
  region: string;
  from: string | null;
  to: string | null;
  chunksTotal: number;
  chunksDone: number;
  /** Chunks extracting or merging right now. */
  inFlight: number;
  rowsStaged: number;
  inserted: number;
  updated: number;
  /** Runs of this backfill so far (it continues as new to keep its history small). */
  runs: number;
}

export type BackfillResult = Omit<BackfillProgress, 'inFlight'> & { unchanged: number };

// --- Reconciliation: per-bucket counts and checksums on source and warehouse. ---

export interface VerifyInput {
  pipeline: string;
  region: string;
  source?: string;
  /** Buckets the key space is hashed into. */
  buckets: number;
  /** Compare only these buckets (a re-check after a repair). */
  only?: number[];
}

export interface BucketDrift {
  bucket: number;
  sourceRows: number;
  warehouseRows: number;
  /** Keys the warehouse lacks. */
  missing: number;
  /** Keys the warehouse has and the source does not. */
  extra: number;
  /** Keys on both sides whose rows differ. */
  changed: number;
}

export interface SourceVerify {
  source: string;
  /** Facts: the checkpoint; rows at or above it are not yet due in the warehouse. Null for dimensions. */
  cutoff: string | null;
  sourceRows: number;
  warehouseRows: number;
  bucketsCompared: number;
  drifted: BucketDrift[];
  /** Rows changed at the source since the checkpoint, left out of the comparison (they are the next run's). */
  pending: number;
  note?: string;
  /** Topic pipelines: per partition, the applied range compared by offset (buckets are partitions there). */
  offsets?: PartitionOffsets[];
}

/** One partition's applied offsets [from, to) against the target rows and dead letters (at most 100 offsets listed). */
export interface PartitionOffsets {
  partition: number;
  from: number;
  to: number;
  /** Offsets the topic holds in the range, and how many of them the warehouse should hold (not replaced by a later message of their key). */
  topicMessages: number;
  expected: number;
  /** Target rows and dead letters in the range. */
  warehouseRows: number;
  deadLetters: number;
  /** Sum of the expected offsets and of the warehouse's, modulo 2^61: equal sets give equal sums. */
  topicChecksum: string;
  warehouseChecksum: string;
  /** Topic offsets the warehouse accounts for in no way. */
  missing: number[];
  /** Warehouse offsets (rows or dead letters) that are no expected message: not in the topic, or a key's older message. */
  extra: number[];
}

export interface VerifyReport {
  pipeline: string;
  region: string;
  kind: string;
  /** Whether `verify --repair` can re-sync this pipeline's drifted buckets. */
  repairable: boolean;
  buckets: number;
  sources: SourceVerify[];
  /** Drifted buckets over all sources. */
  driftedBuckets: number;
}

export interface RepairRequest {
  pipeline: string;
  region: string;
  source: string;
  buckets: number;
  /** The drifted buckets to re-sync. */
  only: number[];
  cutoff: string | null;
  /** Unique per repair and source: the ledger makes a retried step a no-op. */
  batchId: string;
  stagePrefix: string;
}

/** A repair's first step: rows the source lacks deleted, and the batch (or the unit to extract) whose merge rewrites the rest. */
export interface RepairStep {
  deleted: number;
  batch?: StagedBatch;
  unit?: WorkUnit;
  /** Or a resnapshot of the drifted keys (CDC): the connector re-reads them, the pipeline's runs apply them. */
  resnapshot?: ResnapshotInput;
}

export interface SourceRepair {
  source: string;
  buckets: number[];
  /** Warehouse rows deleted because the source lacks their key. */
  deleted: number;
  inserted: number;
  updated: number;
  /** CDC: the resnapshot that re-read the drifted keys (its rows are applied by the pipeline's runs). */
  resnapshot?: { signalId: string; rowsScanned: number | null };
}

export interface VerifyResult {
  before: VerifyReport;
  repaired: SourceRepair[];
  /** The repaired buckets compared again; absent without --repair. */
  after?: VerifyReport;
}

// --- CDC resnapshots: Debezium's incremental snapshot, asked for through its signal table. ---

export interface ResnapshotInput {
  pipeline: string;
  region: string;
  /** Only these keys: per key, its column values as text, in key order. */
  keys?: string[][];
  /** Only these keys, in their row text form (ROW(key)::text), as verify reads them. */
  keyTexts?: string[];
  /** Only the keys of these buckets (verify's hash of the key), when listing the keys would not fit one signal. */
  buckets?: { count: number; only: number[] };
}

/** A signal sent: what following it needs (references, never rows). */
export interface ResnapshotSignal {
  pipeline: string;
  region: string;
  /** The signal's id, which Debezium's notifications of this snapshot carry. */
  signalId: string;
  /** The captured table, as Debezium names it ("public.orders"). */
  collection: string;
  /** The additional condition sent with the signal, if any. */
  filter: string | null;
  notificationTopic: string;
  /** Where the notification topic stood just before the signal, per cluster and partition (partitions not listed: from their start). */
  from: { cluster: string; partition: number; offset: number }[];
  /**
   * What the snapshot may delete (docs/cdc.md, Deletes per chunk window): the target's rows older
   * than `belowLsn` (the source's WAL position read before the signal) that it did not write, among
   * `keys` (null: the whole table), per chunk when `byRange` (an integer key, ordered alike at the
   * source and in the warehouse), else when it completes. Null: it deletes nothing (a filter it
   * cannot name in the warehouse, or a retried signal whose position is not known).
   */
  gapDeletes: { belowLsn: string; keys: string[][] | null; byRange: boolean } | null;
}

/** Offsets of the data topic that hold every row of a finished scan, per cluster and partition. */
export type ResnapshotTarget = { cluster: string; cell: string; partition: number; offset: number }[];

export interface ResnapshotProgress {
  /** signalled: no notification yet; scanning: chunks coming; merging: scanned, its rows not all applied yet. */
  state: 'signalled' | 'started' | 'scanning' | 'merging' | 'done' | 'aborted';
  /** Chunks the connector has read so far. */
  chunks: number;
  /** The last key read and the table's largest key when the snapshot started (as Debezium prints them). */
  lastKey: string | null;
  maximumKey: string | null;
  rowsScanned: number | null;
  /** The data topic's offsets that hold the whole scan, once it is scanned. */
  target?: ResnapshotTarget;
  /** The last key of the newest chunk the connector has emitted (the one before the chunk it reads now), as Debezium prints it. */
  coveredKey?: string | null;
  /** The data topic's offsets read after that chunk was emitted: they hold its rows. */
  ends?: ResnapshotTarget;
  /** Offsets of the target not applied yet. */
  behind: number | null;
  /** Why it aborted, or a scan status other than SUCCEEDED. */
  note?: string;
}

// --- Replay: merging again what past runs staged, from the stage. ---

export interface ReplayInput {
  pipeline: string;
  region: string;
  /** Distinguishes this replay's batch ids from the runs' own and from other replays'. */
  replayId: string;
  /** The batches past runs staged (references and columns), oldest run first, with the run that staged each. */
  batches: { run: string; batch: StagedBatch }[];
  /** Only check and list the batches. */
  dryRun?: boolean;
}

export interface ReplayedBatch {
  run: string;
  batchId: string;
  files: number;
  rows: number;
  /** Files of the batch no longer in the stage (past retention): the batch is not merged. */
  missing: string[];
  result?: MergeResult;
}

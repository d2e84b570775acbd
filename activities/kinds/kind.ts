// What a pipeline kind is to the rest of the house: how it plans a run, extracts a unit and
// merges a batch, and (as capabilities of its own) how it backfills, verifies and repairs. The
// activities resolve the pipeline once and call its kind; the workflows know only the plans,
// units and results these return.
import type { PipelineConfig } from '../../config/schema.js';
import type { ActivityDeps } from '../deps.js';
import type { MergeActivity } from '../heartbeat.js';
import type {
  BackfillInput,
  BackfillPlan,
  MergeResult,
  RepairRequest,
  RepairStep,
  ResnapshotInput,
  ResnapshotProgress,
  ResnapshotSignal,
  ResnapshotTarget,
  StagedBatch,
  UnitRange,
  VerifyInput,
  UnitsByKind,
  VerifyReport,
} from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';

export type KindName = PipelineConfig['kind'];
export type PipelineOf<K extends KindName> = Extract<PipelineConfig, { kind: K }>;
// A kind of the config schema without a registered unit fails here: K cannot index UnitsByKind.
export type UnitOf<K extends KindName> = UnitsByKind[K];
/** Fails to compile while some registered unit's `kind` is not the name it is registered under. */
export type UnitsCarryTheirKind = AssertTrue<{ [K in keyof UnitsByKind]: UnitsByKind[K] extends { kind: K } ? true : false }[keyof UnitsByKind]>;
type AssertTrue<T extends true> = T;

/** What every kind's code gets: the worker's shared dependencies and the warehouse dialect. */
export interface KindContext {
  deps: ActivityDeps;
  warehouse: WarehouseDialect;
}

export interface PlanRequest {
  region: string;
  runId: string;
  /** Incremental dimensions: a full pass now. */
  fullPass?: boolean;
  /** A source that cannot be planned is reported here; the others are still planned. */
  onSourceError: (source: string, err: unknown) => void;
  /** Things a person should look at that do not stop the run. */
  warnings: string[];
}

export interface Parallelism {
  /** Extracts in flight at once over the whole run. */
  extract: number;
  /** Merges of one source in flight at once (1: in plan order, one at a time). */
  merge: number;
}

/** Progress one extract reports in its heartbeats. */
export type ProgressMeasure = 'bytes' | 'messages';

/** What `tributary status` reads for a pipeline of the kind, per source server or cell cluster. */
export type StatusSource =
  /** Source tables: the ledger's checkpoints and, with `lagColumn`, the source's newest value of that column. */
  | { reads: 'tables'; table: string; checkpointed: boolean; lagColumn: string | null }
  /** A topic on every cell cluster of the region: the ledger's offsets against its end offsets. */
  | { reads: 'topic'; topic: string; missingIsEmpty: boolean };

export interface PipelineKind<K extends KindName> {
  /** Reads checkpoints and the sources' safe high marks (or end offsets): a small plan, never rows. */
  plan(ctx: KindContext, p: PipelineOf<K>, req: PlanRequest): Promise<UnitOf<K>[]>;
  parallelism(ctx: KindContext, p: PipelineOf<K>, units: readonly UnitOf<K>[]): Parallelism;
  /** True when the unit is as large as one batch may be (more is waiting now). */
  full(p: PipelineOf<K>, unit: UnitOf<K>): boolean;
  progress: ProgressMeasure;
  /** Streams one unit from its source into the stage: file references and counts. */
  extract(ctx: KindContext, p: PipelineOf<K>, unit: UnitOf<K>, progress: (n: number) => void, signal: AbortSignal): Promise<StagedBatch>;
  /** Applies one staged batch, its ledger row and its checkpoint in one warehouse transaction. */
  merge(ctx: KindContext, p: PipelineOf<K>, batch: StagedBatch & { unit: UnitOf<K> }, activity: MergeActivity): Promise<MergeResult>;
  /** What the unit covers, for the run's result and status. */
  range(unit: UnitOf<K>): UnitRange;
  /** A batch that re-writes the past (backfill, repair): it says nothing of how fresh the pipeline is. */
  rewritesPast(unit: UnitOf<K>): boolean;
  status(p: PipelineOf<K>): StatusSource;
  /** The kind may also run as one long workflow (cdcContinuous) while its schedule is paused. */
  continuous?: true;
  /** Capabilities a kind may lack (the activities then refuse, naming the kind). */
  backfill?: Backfills<K>['backfill'];
  backfillBy?: Backfills<K>['backfillBy'];
  verify?: Verifies<K>['verify'];
  verifyBlocker?: Verifies<K>['verifyBlocker'];
  repair?: Repairs<K>['repair'];
  resnapshot?: Resnapshots<K>;
}

export interface Backfills<K extends KindName> {
  /** The column whose past range a backfill names (--from, --to), or null: it re-syncs the whole table. */
  backfillBy(p: PipelineOf<K>): string | null;
  /** A past range cut into chunks per source: bounds and a unit template, never rows. */
  backfill(ctx: KindContext, p: PipelineOf<K>, input: BackfillInput): Promise<BackfillPlan>;
}

export interface Verifies<K extends KindName> {
  /** Why this pipeline, as configured, cannot be verified (undefined: it can). */
  verifyBlocker?(p: PipelineOf<K>): string | undefined;
  /** Per-bucket counts and checksums on both sides, then key by key where they differ. */
  verify(ctx: KindContext, p: PipelineOf<K>, input: VerifyInput): Promise<VerifyReport>;
}

export interface Repairs<K extends KindName> {
  /** The first step of re-syncing drifted buckets; its batch (or unit) then merges like any other. */
  repair(ctx: KindContext, p: PipelineOf<K>, req: RepairRequest, progress: (bytes: number) => void, signal: AbortSignal): Promise<RepairStep>;
}

export interface Resnapshots<K extends KindName> {
  /** Asks the source's change capture to read the table (or some keys) again; once per signal id. */
  signal(ctx: KindContext, p: PipelineOf<K>, input: ResnapshotInput & { signalId: string }): Promise<ResnapshotSignal>;
  /** How far that read is, and once it is read, how much of it is not applied yet (`target`: where it ends). */
  progress(ctx: KindContext, p: PipelineOf<K>, s: ResnapshotSignal, target?: ResnapshotTarget): Promise<ResnapshotProgress>;
  /** Deletes the rows the read did not write and nothing changed since, up to a chunk's last key or (null) all; returns how many. */
  gapDeletes(ctx: KindContext, p: PipelineOf<K>, s: ResnapshotSignal, upTo: string | null): Promise<number>;
}

// The activities a worker registers. Each resolves its pipeline once and calls the pipeline's
// kind (kinds/registry.ts); workflows import only their types (proxyActivities<Activities>).
// Everything here may do I/O.
import { Context, log } from '@temporalio/activity';
import { findPipeline } from '../config/resolve.js';
import type { PipelineConfig, TributaryConfig } from '../config/schema.js';
import { createDeps, type ActivityDeps } from './deps.js';
import { badInput, sourceFailure } from './errors.js';
import { HEARTBEAT_EVERY_MS, whileHeartbeating } from './heartbeat.js';
import type { KindContext } from './kinds/kind.js';
import { kindOf } from './kinds/registry.js';
import type {
  BackfillInput,
  BackfillPlan,
  MergeResult,
  Plan,
  RepairRequest,
  RepairStep,
  ResnapshotInput,
  ResnapshotProgress,
  ResnapshotSignal,
  ResnapshotTarget,
  SourceFailure,
  StagedBatch,
  SyncInput,
  VerifyInput,
  VerifyReport,
  WorkUnit,
} from './types.js';
import { createWarehouse } from './warehouse/index.js';
import { refreshPipelines } from './catalog/expanded-config.js';
import { isWarehouseUnreachable } from './pg/connect.js';
import { runInlineUnits } from './inline-units.js';
import type { MergeActivity } from './heartbeat.js';

export type * from './types.js';

/** How stale a worker's table-set pipelines may get before it reads the stored catalogs again. */
const TABLE_SETS_REFRESH_MS = 60_000;

/** Takes the config as declared: table sets are expanded here, from the catalogs apply stored (docs/table-sets.md). */
export function createActivities(configOrDeps: TributaryConfig | ActivityDeps) {
  const given: ActivityDeps = 'config' in configOrDeps && 'stage' in configOrDeps ? configOrDeps : createDeps(configOrDeps);
  const declared = given.config;
  // The worker's own copy: its pipelines follow the stored expansion, the declared config stays as loaded.
  const deps: ActivityDeps = declared.tableSets.length ? { ...given, config: { ...declared, pipelines: [...declared.pipelines] } } : given;
  const ctx: KindContext = { deps, warehouse: createWarehouse(deps) };
  let refreshedAt = 0;
  let refreshing: Promise<void> | undefined;
  /** A pipeline not known yet, or an expansion older than a minute: read the stored catalogs again. */
  const refresh = async (name: string) => {
    if (declared.tableSets.length === 0) return;
    if (deps.config.pipelines.some((x) => x.name === name) && Date.now() - refreshedAt < TABLE_SETS_REFRESH_MS) return;
    refreshing ??= refreshPipelines(declared, deps.config, deps.secrets).finally(() => {
      refreshedAt = Date.now();
      refreshing = undefined;
    });
    await refreshing;
  };

  const resolve = async (name: string) => {
    await refresh(name);
    const p = findPipeline(deps.config, name);
    return { p, kind: kindOf(p) };
  };
  /** A unit planned for one kind never runs as another (the config changed since it was planned). */
  const forUnit = async (unit: WorkUnit) => {
    const r = await resolve(unit.pipeline);
    if (r.p.kind !== unit.kind) throw badInput(`pipeline ${unit.pipeline} is a ${r.p.kind} pipeline now, but this batch was planned as ${unit.kind}`);
    return r;
  };
  const refuse = (p: PipelineConfig, what: string, which: string) => badInput(`pipeline ${p.name}: ${what} works on ${which} pipelines, not ${p.kind}`);

  async function plan(input: SyncInput & { runId: string }, activity: MergeActivity): Promise<Plan> {
    const { p, kind } = await resolve(input.pipeline);
    const failures: SourceFailure[] = [];
    const warnings: string[] = [];
    const onSourceError = (source: string, err: unknown) => {
      // The warehouse is every source's: unreachable, the plan as a whole fails and is retried.
      if (isWarehouseUnreachable(err)) throw err;
      failures.push(sourceFailure(p.name, source, err));
      log.warn('source not planned', { pipeline: p.name, region: input.region, source, error: failures.at(-1)!.message });
    };
    const units = await kind.plan(ctx, p, { region: input.region, runId: input.runId, fullPass: input.fullPass, onSourceError, warnings });
    const parallel = kind.parallelism(ctx, p, units);
    for (const w of warnings) log.warn('plan warning', { pipeline: p.name, region: input.region, warning: w });
    const small = await runInlineUnits(ctx, p, kind, units, activity, Context.current().cancellationSignal);
    return {
      pipeline: p.name,
      region: input.region,
      maxParallel: parallel.extract,
      mergeParallel: parallel.merge,
      units: small.units,
      ...(small.inline.length ? { inline: small.inline } : {}),
      ranges: units.map((u) => kind.range(u)),
      ...(units.some((u) => kind.full(p, u)) ? { full: true } : {}),
      ...(failures.length ? { failures } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  return {
    /** The plan of one run, with its small units extracted and merged; heartbeats, so a killed worker's plan is retried within the heartbeat timeout. */
    async planRange(input: SyncInput & { runId: string }): Promise<Plan> {
      // Cutting a large first load into chunks reads the whole range once: heartbeat meanwhile.
      return whileHeartbeating((activity) => plan(input, activity));
    },

    /** Streams one unit from its source into the stage; returns file references and counts. */
    async extractToStage(unit: WorkUnit): Promise<StagedBatch> {
      const { p, kind } = await forUnit(unit);
      const activity = Context.current();
      let last = 0;
      const progress = (n: number) => {
        const now = Date.now();
        if (now - last >= HEARTBEAT_EVERY_MS) {
          last = now;
          activity.heartbeat({ [kind.progress]: n });
        }
      };
      const batch = await kind.extract(ctx, p, unit, progress, activity.cancellationSignal);
      log.info('staged', { pipeline: unit.pipeline, region: unit.region, source: unit.source, batchId: unit.batchId, rows: batch.rows });
      return batch;
    },

    /** Applies one staged batch, its ledger row and its checkpoint in one warehouse transaction. */
    async mergeStaged(batch: StagedBatch): Promise<MergeResult> {
      const { p, kind } = await forUnit(batch.unit);
      const result = await whileHeartbeating((activity) => kind.merge(ctx, p, batch, activity));
      log.info('merged', { pipeline: p.name, region: batch.unit.region, source: batch.unit.source, ...result });
      return result;
    },

    /** Keyset bounds of a past range per source server (or whole-table chunks), and each source's unit. */
    async planBackfill(input: BackfillInput): Promise<BackfillPlan> {
      const { p, kind } = await resolve(input.pipeline);
      if (!kind.backfill) throw refuse(p, 'backfill', 'fact and dimension');
      return kind.backfill(ctx, p, input);
    },

    /** Per-bucket counts and checksums on both sides, then key by key where they differ. */
    async verifyBuckets(input: VerifyInput): Promise<VerifyReport> {
      const { p, kind } = await resolve(input.pipeline);
      if (!kind.verify) throw refuse(p, 'verify', 'fact, dimension, topic and cdc');
      const report = await whileHeartbeating(() => kind.verify!(ctx, p, input));
      log.info('verified', { pipeline: input.pipeline, region: input.region, driftedBuckets: report.driftedBuckets });
      return report;
    },

    /** The keys of a staged batch's files that are no longer in the stage (past retention). */
    async stagedFilesMissing(batch: StagedBatch): Promise<string[]> {
      const present = new Set(await deps.stage.list(batch.unit.stagePrefix));
      return batch.files.map((f) => f.key).filter((k) => !present.has(k));
    },

    /** The first step of a repair of drifted buckets: deletes, then the batch (or unit) whose merge rewrites the rest. */
    async repairBuckets(req: RepairRequest): Promise<RepairStep> {
      const { p, kind } = await resolve(req.pipeline);
      if (!kind.repair) throw refuse(p, 'repair', 'fact, dimension and cdc');
      const activity = Context.current();
      return whileHeartbeating(() => kind.repair!(ctx, p, req, (bytes) => activity.heartbeat({ bytes }), activity.cancellationSignal));
    },

    /** Asks the pipeline's change capture for a snapshot of its table (or of some keys); once per signal id. */
    async signalResnapshot(input: ResnapshotInput & { signalId: string }): Promise<ResnapshotSignal> {
      const { p, kind } = await resolve(input.pipeline);
      if (!kind.resnapshot) throw refuse(p, 'resnapshot', 'cdc');
      const s = await kind.resnapshot.signal(ctx, p, input);
      log.info('resnapshot signalled', { pipeline: p.name, region: input.region, signalId: s.signalId, filtered: s.filter !== null });
      return s;
    },

    /** How far a signalled resnapshot is: its scan, then the offsets of it not applied yet. */
    async resnapshotProgress(input: { signal: ResnapshotSignal; target?: ResnapshotTarget }): Promise<ResnapshotProgress> {
      const { p, kind } = await resolve(input.signal.pipeline);
      if (!kind.resnapshot) throw refuse(p, 'resnapshot', 'cdc');
      return kind.resnapshot.progress(ctx, p, input.signal, input.target);
    },

    /** Deletes what a resnapshot found gone at the source: up to a chunk's last key, or (null) everywhere once it is done. */
    async resnapshotGapDeletes(input: { signal: ResnapshotSignal; upTo: string | null }): Promise<number> {
      const { p, kind } = await resolve(input.signal.pipeline);
      if (!kind.resnapshot) throw refuse(p, 'resnapshot', 'cdc');
      const deleted = await kind.resnapshot.gapDeletes(ctx, p, input.signal, input.upTo);
      log.info('resnapshot gap deletes', { pipeline: p.name, region: input.signal.region, signalId: input.signal.signalId, upTo: input.upTo ?? 'all', deleted });
      return deleted;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

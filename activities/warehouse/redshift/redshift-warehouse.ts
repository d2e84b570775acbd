// The Redshift warehouse, through the Data API. Outside the merge transaction (Redshift cannot
// alter columns inside one): state tables, the target, new columns, widened VARCHARs. Then the
// whole merge as ONE BatchExecuteStatement (merge-sql.ts), bounded per workgroup/cluster
// (merge-limit.ts), its statement id kept in the heartbeat so a retry resumes polling.
import { isRepairBatch } from '../../../names/stage-keys.js';
import type { DialectCapabilities } from '../../specs/capabilities.js';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import { S3Stage } from '../../stage/s3-stage.js';
import type { MergeResult, StagedBatch, StagedCdcBatch, StagedTopicBatch } from '../../types.js';
import type { CheckpointKey, NewColumnPolicy, OffsetsKey, WarehouseDialect } from '../dialect.js';
import type { MergeActivity } from '../../heartbeat.js';
import type { Row } from '../../specs/row.js';
import { mergeRedshiftTopic, readRedshiftOffsets } from './redshift-topic.js';
import { mergeRedshiftCdc, readRedshiftMovedLsns } from './redshift-cdc.js';
import { modeColumns, type CdcTarget, type MergeSpec, type PullSpan, type TopicMergeSpec } from '../../specs/merge-specs.js';
import type { RedshiftConfig, RedshiftSession } from './session.js';
import { DataApi, StatementFailed, targetId, type StatementRef } from './data-api.js';
import { columnNameProblems, foldName } from './identifiers.js';
import { acquireMergeSlot } from './merge-limit.js';
import * as sql from './merge-sql.js';
import { countsFailure, fromLedger } from './ledger-result.js';
import { declaredVarcharBytes, redshiftType } from './types.js';
import { addRedshiftCdcSkip, readRedshiftCdcSkips } from './cdc-skips.js';
import { redshiftRetypes } from './retype.js';
import { describeWhere } from '../../merge-rules/batch-counts.js';

export type { RedshiftConfig } from './session.js';

/** Statement names of merges start with this, so every worker can count them (merge-limit.ts). */
export const MERGE_STATEMENT_PREFIX = 'tributary-merge/';

/** COPY loads CSV from S3 only; arrays go to SUPER as JSON; merges of one source go one at a time. */
export const REDSHIFT_CAPABILITIES: DialectCapabilities = { binaryStage: false, arrays: 'json', parallelMerges: false, requiredStage: 's3' };

export class RedshiftWarehouse implements WarehouseDialect, RedshiftSession {
  readonly capabilities = REDSHIFT_CAPABILITIES;
  readonly paramStyle = 'named' as const;
  private stateReady: Promise<void> | undefined;
  private readonly kindState = new Map<string, Promise<void>>();
  readonly api: DataApi;

  constructor(
    private readonly deps: ActivityDeps,
    readonly cfg: RedshiftConfig,
    api?: DataApi,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.api = api ?? new DataApi(new RedshiftDataClient({ region: cfg.awsRegion }), cfg);
  }

  queryState(sql: string, params: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
    return this.api.query(sql, params, 'read the ledger');
  }

  ensureState(): Promise<void> {
    // Once per process; CREATE ... IF NOT EXISTS makes a race between workers harmless.
    this.stateReady ??= (async () => {
      for (const stmt of sql.stateTablesSql(this.cfg.schema)) await this.api.query(stmt, {}, 'create the state tables');
      // A ledger from before the count check gets its columns.
      const have = new Set((await this.targetColumns({ schema: this.cfg.schema, table: 'tributary_batches' })).map((c) => c.name));
      for (const stmt of sql.ledgerColumnSqls(this.cfg.schema, have)) await this.ddl(stmt);
    })().catch((err: unknown) => {
      this.stateReady = undefined;
      throw err;
    });
    return this.stateReady;
  }

  async readCheckpoint(key: CheckpointKey): Promise<string | null> {
    await this.ensureState();
    const rows = await this.api.query(sql.readCheckpointSql(this.cfg.schema), { ...key }, 'read a checkpoint');
    return (rows[0]?.position as string | undefined) ?? null;
  }

  async merge(batch: StagedBatch, spec: MergeSpec, span: PullSpan, onNewColumn: NewColumnPolicy, activity: MergeActivity = currentActivity()): Promise<MergeResult> {
    const { unit } = batch;
    const label = `pipeline ${unit.pipeline}, source ${unit.source}`;
    const stage = this.deps.stage;
    if (!(stage instanceof S3Stage)) throw badInput(`${label}: the Redshift warehouse loads from S3; set stage.type to "s3"`);
    const problems = columnNameProblems(spec.stagedColumns.map((c) => c.name));
    if (problems.length) throw badInput(`${label}: ${unit.stream} cannot load into Redshift: ${problems.join('; ')}`);

    await this.ensureState();
    const done = await this.api.query(sql.findBatchSql(this.cfg.schema), { batch_id: unit.batchId }, 'look up the batch');
    if (done[0]) return fromLedger(unit.batchId, done[0], true);

    const target = await this.evolveTarget(spec, onNewColumn, label, describeWhere({ pipeline: unit.pipeline, region: unit.region, source: unit.source, table: `${spec.schema}.${spec.table}` }));
    // Columns left out by policy ("ignore") stay in the stage table but are neither compared nor inserted.
    const inTarget = new Set(target.map((c) => c.name));
    const merged: MergeSpec = { ...spec, columns: spec.columns.filter((c) => inTarget.has(foldName(c.name))) };
    const manifestUrl = await stage.batchManifestUrl(
      batch.files.map((f) => f.key),
      `${unit.stagePrefix}/batch.manifest.json`,
    );
    const positions = [...(unit.checkpoint === null ? [] : [{ stream: unit.checkpointStream ?? unit.stream, position: unit.checkpoint }]), ...(unit.markers ?? [])];
    const plan = sql.mergeBatch({
      spec: merged,
      stateSchema: this.cfg.schema,
      target,
      manifestUrl,
      copyRoleArn: this.cfg.copyRoleArn,
      values: {
        batchId: unit.batchId,
        pipeline: unit.pipeline,
        region: unit.region,
        source: unit.source,
        stream: unit.stream,
        rows: batch.rows,
        checksum: batch.checksum,
        extractedAt: batch.extractedAt,
        loadedAt: new Date().toISOString(),
        rangeFrom: span.from,
        rangeTo: span.to,
        positions,
        repair: isRepairBatch(unit.batchId),
      },
    });

    try {
      const row = await this.runBatch(plan.sqls, plan.parameters, unit.batchId, plan.at.result, activity);
      if (!row) throw new Error(`${label}: the merge finished but batch ${unit.batchId} is not in the ledger`);
      return fromLedger(unit.batchId, row, Number(row.done) > 0);
    } catch (err) {
      if (err instanceof StatementFailed) throw await this.explain(err, plan.at, label, spec, unit.region);
      throw err;
    }
  }

  /**
   * Runs a merge batch (one transaction) under the merge limit, resuming the statement of an
   * earlier attempt, and returns the row of its statement `resultIndex` (0-based).
   */
  async runBatch(sqls: string[], parameters: sql.Param[], batchId: string, resultIndex: number, activity: MergeActivity): Promise<Record<string, unknown> | undefined> {
    const resume = resumeRef(activity.details);
    let release: (() => void) | undefined;
    try {
      const d = await this.api.batch(sqls, parameters, `${MERGE_STATEMENT_PREFIX}${batchId}`, {
        resume,
        heartbeat: (ref) => activity.heartbeat({ redshift: ref }),
        // A resumed statement already holds its place; a new one waits for a slot.
        beforeSubmit: async () => {
          release ??= await acquireMergeSlot({
            targetId: targetId(this.cfg),
            limit: this.cfg.maxConcurrentMerges,
            activeOnWarehouse: () => this.api.activeStatements(MERGE_STATEMENT_PREFIX),
            sleep: this.sleep,
            onWait: () => activity.heartbeat({ redshift: resume ?? null }),
          });
        },
      });
      const [row] = await this.api.rows(`${d.Id}:${resultIndex + 1}`);
      return row;
    } finally {
      release?.();
    }
  }

  /** A failed COPY explained from SYS_LOAD_ERROR_DETAIL: file, line and column; null when none are recorded. */
  async loadErrorMessage(err: StatementFailed, copyIndex: number, label: string, target: string): Promise<string | null> {
    const queryId = err.statement.SubStatements?.[copyIndex]?.RedshiftQueryId;
    const details = queryId === undefined ? [] : await this.api.query(sql.LOAD_ERRORS_SQL, { query_id: String(queryId) }, 'read load errors').catch(() => []);
    const first = details[0];
    if (!first) return null;
    return (
      `${label}: loading ${target} failed at ${String(first.file_name)} line ${String(first.line_number)}, column ${String(first.column_name)} (${String(first.column_type)}): ${String(first.error_message)}` +
      (details.length > 1 ? ` (and ${details.length - 1} more load errors)` : '')
    );
  }

  readOffsets(key: OffsetsKey): Promise<Map<number, number>> {
    return readRedshiftOffsets(this, key);
  }

  mergeTopic(batch: StagedTopicBatch, spec: TopicMergeSpec, activity: MergeActivity = currentActivity()): Promise<MergeResult> {
    return mergeRedshiftTopic(this, batch, spec, activity);
  }

  mergeCdc(batch: StagedCdcBatch, target: CdcTarget, activity: MergeActivity = currentActivity()): Promise<MergeResult> {
    return mergeRedshiftCdc(this, batch, target, activity);
  }

  movedLsns(target: { schema: string; table: string }, source: string, oldKeys: Row[]): Promise<Map<string, bigint>> {
    return readRedshiftMovedLsns(this, target, source, oldKeys);
  }

  cdcSkips(key: OffsetsKey): Promise<{ partition: number; offset: number }[]> {
    return readRedshiftCdcSkips(this, key);
  }

  addCdcSkip(key: OffsetsKey, partition: number, offset: number): Promise<void> {
    return addRedshiftCdcSkip(this, key, partition, offset);
  }

  /** The S3 stage the merges load from, or a message naming the pipeline and source. */
  s3Stage(label: string): S3Stage {
    const stage = this.deps.stage;
    if (!(stage instanceof S3Stage)) throw badInput(`${label}: the Redshift warehouse loads from S3; set stage.type to "s3"`);
    return stage;
  }

  /** Creates the state tables a kind needs besides the fact ones, once per process. */
  ensureKindState(kind: string, sqls: string[]): Promise<void> {
    let p = this.kindState.get(kind);
    if (!p) {
      p = (async () => {
        await this.ensureState();
        for (const stmt of sqls) await this.api.query(stmt, {}, `create the ${kind} state tables`);
      })().catch((err: unknown) => {
        this.kindState.delete(kind);
        throw err;
      });
      this.kindState.set(kind, p);
    }
    return p;
  }

  /** Turns a failed batch into a message naming the pipeline, source and, for a load error, file, line and column. */
  private async explain(err: StatementFailed, at: sql.MergeBatch['at'], label: string, spec: MergeSpec, region: string): Promise<unknown> {
    const target = `${spec.schema}.${spec.table}`;
    const counted = countsFailure(err, at, label, region, target);
    if (counted) return counted;
    if (err.failedIndex === at.copy) {
      const message = await this.loadErrorMessage(err, at.copy, label, target);
      if (message) return badInput(message);
      return new Error(`${label}: COPY into the stage for ${target} failed: ${err.statement.Error ?? 'no error text'}`);
    }
    if (err.failedIndex === at.uniqueCheck) {
      return badInput(`${label}: key (${spec.key.join(', ')}) is not unique in one read of ${target}'s source; nothing was merged (${err.statement.Error ?? ''})`);
    }
    return new Error(`${label}: the merge into ${target} failed at statement ${err.failedIndex + 1}: ${err.statement.Error ?? err.statement.Status}`);
  }

  /** Creates the target or applies the column policies; returns its columns in table order. */
  /** `where` names pipeline, region, source and table. */
  private async evolveTarget(spec: MergeSpec, onNewColumn: NewColumnPolicy, label: string, where: string): Promise<sql.TargetColumn[]> {
    let columns = await this.targetColumns(spec);
    if (columns.length === 0) {
      for (const stmt of sql.createTargetSqls(spec, modeColumns(spec.mode))) await this.ddl(stmt);
      return this.targetColumns(spec);
    }
    const existing = new Map(columns.map((c) => [c.name, c]));
    const fresh = spec.columns.filter((c) => !existing.has(foldName(c.name)));
    if (fresh.length > 0) {
      const names = fresh.map((c) => c.name).join(', ');
      if (onNewColumn === 'fail') {
        throw badInput(`${label}: the source has new column(s) ${names} that ${spec.schema}.${spec.table} lacks, and the pipeline's onNewColumn policy is "fail"`);
      }
      if (onNewColumn === 'add') for (const c of fresh) await this.ddl(sql.addColumnSql(spec, c));
    }
    refuseNarrowDecimals(spec, existing, label);
    const wider = redshiftRetypes(spec.columns, existing, spec.onTypeChange ?? 'widen', where, 'at the source', this.cfg.varcharOverflow === 'widen');
    for (const w of wider) await this.ddl(sql.widenColumnSql(spec, w.name, w.bytes));
    columns = await this.targetColumns(spec);
    return columns;
  }

  /** The target's columns as the catalog has them. */
  async targetColumns(spec: { schema: string; table: string }): Promise<sql.TargetColumn[]> {
    const rows = await this.api.query(sql.TARGET_COLUMNS_SQL, { schema: foldName(spec.schema), table: foldName(spec.table) }, 'read the target columns');
    return rows.map((r) => ({
      name: String(r.column_name),
      dataType: String(r.data_type),
      varcharBytes: declaredVarcharBytes(String(r.data_type), r.character_maximum_length == null ? null : Number(r.character_maximum_length)),
      ...(String(r.data_type) === 'numeric' && r.numeric_precision != null ? { decimal: { precision: Number(r.numeric_precision), scale: Number(r.numeric_scale ?? 0) } } : {}),
    }));
  }

  /** DDL another worker may have run first: "already exists" is success. */
  async ddl(stmt: string): Promise<void> {
    try {
      await this.api.query(stmt, {}, 'change the target table');
    } catch (err) {
      if (err instanceof StatementFailed && /already exists/i.test(err.statement.Error ?? '')) return;
      throw err;
    }
  }
}

export function resumeRef(details: unknown): StatementRef | undefined {
  const ref = (details as { redshift?: StatementRef } | undefined)?.redshift;
  return ref && typeof ref.statementId === 'string' ? ref : undefined;
}

/** The Temporal activity this merge runs in, if any (tests call merge outside one). */
export function currentActivity(): MergeActivity {
  try {
    const ctx = Context.current();
    return { details: ctx.info.heartbeatDetails, heartbeat: (d) => ctx.heartbeat(d) };
  } catch {
    return { heartbeat: () => undefined };
  }
}

/**
 * A source column retyped to a wider numeric than its DECIMAL target: Redshift cannot change a
 * DECIMAL column's type in place, and loading would round the new digits. Refused, naming it.
 */
function refuseNarrowDecimals(spec: MergeSpec, existing: Map<string, sql.TargetColumn>, label: string): void {
  for (const c of spec.columns) {
    const have = existing.get(foldName(c.name))?.decimal;
    const need = /^DECIMAL\((\d+),(\d+)\)$/.exec(redshiftType(c).sql);
    if (!have || !need) continue;
    const [p, s] = [Number(need[1]), Number(need[2])];
    if (s > have.scale || p - s > have.precision - have.scale) {
      throw badInput(
        `${label}: column ${c.name} is ${c.type} at the source, but ${spec.schema}.${spec.table} keeps it as DECIMAL(${have.precision},${have.scale}), which would round or refuse its values; Redshift cannot change a DECIMAL column's type in place: add a wider column by hand and copy the values, or recreate the target and backfill`,
      );
    }
  }
}

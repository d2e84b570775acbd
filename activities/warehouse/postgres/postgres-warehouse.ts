// The PostgreSQL warehouse: stage files are streamed with COPY FROM STDIN into a temp table,
// then checked, merged by key and recorded in the ledger inside one transaction.
import { chunkPrefix, isRepairBatch } from '../../../names/stage-keys.js';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type { DialectCapabilities } from '../../specs/capabilities.js';
import { from as copyFrom } from 'pg-copy-streams';
import type { ActivityDeps } from '../../deps.js';
import { withPg, type PgTarget } from '../../pg/connect.js';
import type { MergeResult, StagedBatch, StagedCdcBatch, StagedTopicBatch } from '../../types.js';
import type { CheckpointKey, NewColumnPolicy, OffsetsKey, WarehouseDialect } from '../dialect.js';
import * as sql from './merge-sql.js';
import { retypeTarget } from './retype-target.js';
import { mergeTopicBatch, readTopicOffsets } from './topic-merge.js';
import { mergeCdcBatch, readMovedLsns, type CdcTarget } from './cdc-merge.js';
import { addCdcSkip, readCdcSkips } from './cdc-skips.js';
import type { Row } from '../../specs/row.js';
import type { PullSpan } from '../../specs/merge-specs.js';
import type { TopicMergeSpec } from './topic-merge-sql.js';
import { badInput } from '../../errors.js';
import { appendCsvFields } from './append-csv-fields.js';
import { appendBinaryFields, binaryText, binaryTimestamptz } from './append-binary-fields.js';
import { gunzipStaged, stagedFileError, stagedFormat } from '../../stage/staged-format.js';
import { assertCountsAddUp, describeWhere, partitionProblem } from '../../merge-rules/batch-counts.js';
import { countsResult, fromLedgerRow, ledgerRowParams, type PartitionCounts } from './ledger-row.js';

/** What a merge did with the staged rows: `staged` is what the files held. */
type Counts = { staged: number; inserted: number; updated: number; unchanged: number; deleted: number };

/** Reads PostgreSQL's binary COPY and arrays as they are; checkpoints fact chunks over the merged prefix. */
export const POSTGRES_CAPABILITIES: DialectCapabilities = { binaryStage: true, arrays: 'native', parallelMerges: true, requiredStage: null };

export class PostgresWarehouse implements WarehouseDialect {
  readonly capabilities = POSTGRES_CAPABILITIES;
  readonly paramStyle = 'positional' as const;
  private stateReady: Promise<void> | undefined;

  constructor(
    private readonly deps: ActivityDeps,
    private readonly target: PgTarget,
    private readonly stateSchema: string,
  ) {}

  private ensureState(client: pg.Client): Promise<void> {
    // Once per process; CREATE ... IF NOT EXISTS can still race across workers, so serialise it.
    this.stateReady ??= (async () => {
      await client.query('BEGIN');
      try {
        await client.query(sql.LOCK_SQL, ['tributary:state']);
        for (const stmt of sql.stateTablesSql(this.stateSchema)) await client.query(stmt);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        this.stateReady = undefined;
        throw err;
      }
    })();
    return this.stateReady;
  }

  queryState(sql: string, params: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
    return withPg(this.target, this.deps.secrets, async (client) => (await client.query(sql, Object.values(params))).rows as Record<string, unknown>[]);
  }

  async readCheckpoint(key: CheckpointKey): Promise<string | null> {
    return withPg(this.target, this.deps.secrets, async (client) => {
      await this.ensureState(client);
      const res = await client.query<{ position: string }>(sql.readCheckpointSql(this.stateSchema), [key.pipeline, key.region, key.source, key.stream]);
      return res.rows[0]?.position ?? null;
    });
  }

  readOffsets(key: OffsetsKey): Promise<Map<number, number>> {
    return withPg(this.target, this.deps.secrets, (client) => readTopicOffsets(client, this.stateSchema, key));
  }

  cdcSkips(key: OffsetsKey): Promise<{ partition: number; offset: number }[]> {
    return withPg(this.target, this.deps.secrets, (client) => readCdcSkips(client, this.stateSchema, key));
  }

  addCdcSkip(key: OffsetsKey, partition: number, offset: number): Promise<void> {
    return withPg(this.target, this.deps.secrets, (client) => addCdcSkip(client, this.stateSchema, key, partition, offset));
  }

  mergeTopic(batch: StagedTopicBatch, spec: TopicMergeSpec): Promise<MergeResult> {
    return withPg(this.target, this.deps.secrets, async (client) => {
      await this.ensureState(client);
      return mergeTopicBatch(client, this.deps.stage, this.stateSchema, batch, spec);
    });
  }

  mergeCdc(batch: StagedCdcBatch, target: CdcTarget): Promise<MergeResult> {
    return withPg(this.target, this.deps.secrets, async (client) => {
      await this.ensureState(client);
      return mergeCdcBatch(client, this.deps.stage, this.stateSchema, batch, target);
    });
  }

  movedLsns(target: { schema: string; table: string }, source: string, oldKeys: Row[]): Promise<Map<string, bigint>> {
    return withPg(this.target, this.deps.secrets, (client) => readMovedLsns(client, this.stateSchema, target, source, oldKeys));
  }

  async merge(batch: StagedBatch, spec: sql.MergeSpec, span: PullSpan, onNewColumn: NewColumnPolicy): Promise<MergeResult> {
    const { unit } = batch;
    const label = `pipeline ${unit.pipeline}, source ${unit.source}`;
    // A staged file that is not whole names all of where it was going.
    const fileLabel = describeWhere({ pipeline: unit.pipeline, region: unit.region, source: unit.source, table: `${spec.schema}.${spec.table}` });
    const targetLock = `tributary:${spec.schema}.${spec.table}`;
    // A pooled session: it goes back only after a merge that succeeded and DISCARD ALL (which also drops its locks and temp tables).
    return withPg(this.target, this.deps.secrets, async (client) => {
      let locked = false;
      const unlock = async () => {
        if (!locked) return;
        locked = false;
        await client.query(sql.UNLOCK_SQL, [targetLock]);
      };
      try {
        await this.ensureState(client);
        // Session-scoped, so a first-load chunk can let the next one in before it commits.
        await client.query(sql.SESSION_LOCK_SQL, [targetLock]);
        locked = true;
        await client.query('BEGIN');
        const done = await client.query<Record<string, string | null>>(sql.findBatchSql(this.stateSchema), [unit.batchId]);
        if (done.rows[0]) {
          await client.query('COMMIT');
          return fromLedgerRow(unit.batchId, done.rows[0]);
        }

        const { spec: merged, altered } = await this.evolveTarget(client, spec, onNewColumn, label, fileLabel);
        const firstLoad = span.whole && (await this.isFirstLoad(client, batch, merged));
        // A whole read of a dimension: what the target held of this source before, against what the last batch left.
        const snapshot = merged.mode.kind === 'snapshot' ? merged.mode : null;
        const soft = snapshot?.deletes === 'soft';
        const whole = snapshot !== null && !snapshot.partial;
        const targetName = `${spec.schema}.${spec.table}`;
        const sourceRows = async () => Number((await client.query<{ n: string }>(sql.sourceRowsSql(merged, soft), [unit.source])).rows[0]!.n);
        const expected = whole && !isRepairBatch(unit.batchId) ? await client.query<{ target_rows: string }>(sql.lastTargetRowsSql(this.stateSchema), [targetName, unit.source]) : null;
        const before = expected?.rows[0] ? { expected: Number(expected.rows[0].target_rows), found: await sourceRows() } : null;
        // First-load chunks hold disjoint keys of one source: once the target's shape is settled
        // (and committed), they COPY side by side. Anything else merges alone until it commits.
        if (firstLoad && !altered) await unlock();
        const { staged, inserted, updated, unchanged, deleted } = firstLoad ? await this.copyFirstLoad(client, batch, merged, label, fileLabel) : await this.mergeByKey(client, batch, merged, label, fileLabel);
        const where = { pipeline: unit.pipeline, region: unit.region, source: unit.source, table: targetName };
        const counts = { read: batch.rows, staged, inserted, updated, unchanged, deleted, deletedAbsent: snapshot ? deleted : 0, deduplicated: 0, deadLettered: 0 };
        assertCountsAddUp(counts, batch.rows, where);
        let partition: PartitionCounts = {};
        if (snapshot) {
          const targetRows = await sourceRows();
          const problem = whole ? partitionProblem(batch.rows, targetRows) : null;
          if (problem) throw badInput(`${describeWhere(where)}: ${problem}; nothing was merged`);
          partition = { targetRows, ...(before ? { driftRows: before.found - before.expected } : {}) };
        }
        await client.query(
          sql.insertBatchSql(this.stateSchema),
          ledgerRowParams({ batchId: unit.batchId, pipeline: unit.pipeline, region: unit.region, source: unit.source, stream: unit.stream, target: targetName, from: span.from, to: span.to, checksum: batch.checksum }, { ...counts, ...partition }),
        );
        await this.moveCheckpoints(client, unit, span.outOfOrder);
        await client.query('COMMIT');
        return countsResult(unit.batchId, { ...counts, ...partition });
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        await unlock().catch(() => undefined);
      }
    });
  }

  /**
   * Fact chunks may commit out of order (they merge side by side): the checkpoint moves to the
   * end of the contiguous merged prefix of the run, decided under a per-source lock so two
   * chunks committing at once both see each other. Other units move their positions directly.
   */
  private async moveCheckpoints(client: pg.Client, unit: StagedBatch['unit'], outOfOrder: boolean): Promise<void> {
    const key = [unit.pipeline, unit.region, unit.source] as const;
    const chunk = chunkPrefix(unit.batchId);
    if (outOfOrder && unit.checkpoint !== null && chunk) {
      await client.query(sql.setChunkCheckpointSql(this.stateSchema), [unit.batchId, unit.checkpoint]);
      const stream = unit.checkpointStream ?? unit.stream;
      await client.query(sql.LOCK_SQL, [`tributary:checkpoint:${key.join('/')}/${stream}`]);
      const reached = await client.query<{ position: string }>(sql.chunkPrefixCheckpointSql(this.stateSchema), [chunk]);
      if (reached.rows[0]) await client.query(sql.upsertCheckpointSql(this.stateSchema), [...key, stream, reached.rows[0].position, unit.batchId]);
      // Markers (the plan's bound state) are the same on every chunk of a run: any of them moves them.
      for (const m of unit.markers ?? []) await client.query(sql.upsertCheckpointSql(this.stateSchema), [...key, m.stream, m.position, unit.batchId]);
      return;
    }
    const positions = [...(unit.checkpoint === null ? [] : [{ stream: unit.checkpointStream ?? unit.stream, position: unit.checkpoint }]), ...(unit.markers ?? [])];
    for (const { stream, position } of positions) {
      await client.query(sql.upsertCheckpointSql(this.stateSchema), [...key, stream, position, unit.batchId]);
    }
  }

  /** A whole-source batch (span.whole) of which nothing can be in the target yet. */
  private async isFirstLoad(client: pg.Client, batch: StagedBatch, spec: sql.MergeSpec): Promise<boolean> {
    const { unit } = batch;
    if (!sql.stagedMatchesTarget(spec)) return false;
    const run = unit.batchId.includes(':') ? unit.batchId.slice(0, unit.batchId.indexOf(':') + 1) : unit.batchId;
    const res = await client.query<{ first: boolean }>(sql.firstLoadSql(this.stateSchema), [`${spec.schema}.${spec.table}`, unit.source, run]);
    return res.rows[0]!.first;
  }

  /** First load: the staged files go straight into the target with their lineage; the primary key still refuses a duplicate. */
  private async copyFirstLoad(client: pg.Client, batch: StagedBatch, spec: sql.MergeSpec, label: string, fileLabel: string): Promise<Counts> {
    const { unit } = batch;
    const now = (await client.query<{ text: string; micros: string }>(sql.NOW_SQL)).rows[0]!;
    let loaded = 0;
    for (const file of batch.files) {
      const format = stagedFormat(file.key);
      const copy = client.query(copyFrom(sql.copyIntoTargetSql(spec, format)));
      const lineage =
        format === 'binary'
          ? appendBinaryFields([
              ...[unit.source, unit.region, unit.batchId].map(binaryText),
              binaryTimestamptz(BigInt(Date.parse(batch.extractedAt)) * 1000n),
              binaryTimestamptz(BigInt(now.micros)),
            ])
          : appendCsvFields([unit.source, unit.region, unit.batchId, batch.extractedAt, now.text]);
      await pipeline(this.deps.stage.reader(file.key), gunzipStaged(), lineage, copy).catch((err: unknown) => {
        throw stagedFileError(notUniqueError(err, label, spec.key, unit.stream, unit.source), file.key, fileLabel);
      });
      loaded += Number(copy.rowCount ?? 0);
    }
    return { staged: loaded, inserted: loaded, updated: 0, unchanged: 0, deleted: 0 };
  }

  /** Through a temp stage table: delete what the batch replaces, insert what is new or changed, and (dimensions) handle keys gone. */
  private async mergeByKey(client: pg.Client, batch: StagedBatch, merged: sql.MergeSpec, label: string, fileLabel: string): Promise<Counts> {
    const { unit } = batch;
    await client.query(sql.createStageSql(merged));
    let loaded = 0;
    for (const file of batch.files) {
      const copy = client.query(copyFrom(sql.copyIntoStageSql(merged, stagedFormat(file.key))));
      await pipeline(this.deps.stage.reader(file.key), gunzipStaged(), copy).catch((err: unknown) => {
        throw stagedFileError(err, file.key, fileLabel);
      });
      loaded += Number(copy.rowCount ?? 0);
    }
    if (merged.mode.kind === 'upsert') for (const stmt of sql.PROBE_BY_KEY_SQL) await client.query(stmt);

    const lineage = [unit.source, unit.region, unit.batchId, batch.extractedAt];
    const incoming = sql.incomingSql(merged);
    if (incoming) await client.query(incoming, [unit.source]);
    const replaced = await client.query(sql.deleteReplacedSql(merged), [unit.source]);
    const written = await client.query(sql.insertSql(merged), lineage).catch((err: unknown) => {
      throw notUniqueError(err, label, merged.key, unit.stream, unit.source);
    });
    const missing = sql.deleteMissingSql(merged);
    const removed = missing ? await client.query(missing, [unit.source]) : null;
    const updated = replaced.rowCount ?? 0;
    const unchanged = Number((await client.query<{ n: string }>(sql.unchangedSql(merged), [unit.source, unit.batchId])).rows[0]!.n);
    return { staged: loaded, inserted: (written.rowCount ?? 0) - updated, updated, unchanged, deleted: removed?.rowCount ?? 0 };
  }

  /**
   * Creates the target, or applies the type-change and new-column policies; returns the spec to
   * merge with, and whether it changed the target. `where` names pipeline, region, source and table.
   */
  private async evolveTarget(client: pg.Client, spec: sql.MergeSpec, onNewColumn: NewColumnPolicy, label: string, where: string): Promise<{ spec: sql.MergeSpec; altered: boolean }> {
    await client.query(sql.createSchemaSql(spec.schema));
    const before = await client.query<{ name: string; type: string }>(sql.targetColumnsSql(), [spec.schema, spec.table]);
    if (before.rows.length === 0) {
      await client.query(sql.createTargetSql(spec));
      return { spec, altered: true };
    }
    const existing = new Set(before.rows.map((r) => r.name));
    const widenedAny = await retypeTarget(client, {
      target: spec,
      targetTypes: new Map(before.rows.map((r) => [r.name, r.type])),
      columns: spec.columns,
      policy: spec.onTypeChange,
      where,
      batchSide: 'at the source',
    });
    const fresh = spec.columns.filter((c) => !existing.has(c.name));
    if (fresh.length === 0) return { spec, altered: widenedAny };
    const names = fresh.map((c) => c.name).join(', ');
    if (onNewColumn === 'fail') {
      throw badInput(`${label}: the source has new column(s) ${names} that ${spec.schema}.${spec.table} lacks, and the pipeline's onNewColumn policy is "fail"`);
    }
    if (onNewColumn === 'ignore') return { spec: { ...spec, columns: spec.columns.filter((c) => existing.has(c.name)) }, altered: false };
    for (const stmt of sql.addColumnsSql(spec, fresh)) await client.query(stmt);
    return { spec, altered: true };
  }
}

/**
 * Every key the insert writes was absent from the target (NOT EXISTS), so a primary-key
 * violation means the read itself held a key twice: the key is not unique at the source.
 */
function notUniqueError(err: unknown, label: string, key: string[], stream: string, source: string): unknown {
  const e = err as { code?: string; detail?: string };
  if (e.code !== '23505') return err;
  const all = /^Key \(.*\)=\((.*)\) already exists/.exec(e.detail ?? '')?.[1] ?? '?';
  const values = all.endsWith(`, ${source}`) ? all.slice(0, -(source.length + 2)) : all;
  return badInput(`${label}: key (${key.join(', ')}) is not unique in ${stream}: (${values ?? '?'}) appears more than once in one read; nothing was merged`);
}

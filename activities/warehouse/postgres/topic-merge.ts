// The topic merge on the PostgreSQL warehouse: in ONE transaction, the staged rows go into the
// target (appended, or upserted by key), the dead letters into the dead-letter table, and the
// partition's next offset into the offsets ledger. The ledger row is read under lock first, so a
// retried or overlapping batch loads exactly the offsets the ledger does not have yet.
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { decideMerge } from '../../merge-rules/offset-decision.js';
import { topicCounts } from '../../merge-rules/topic-counts.js';
import type { Stage } from '../../stage/stage.js';
import { gunzipStaged, stagedFileError, stagedFormat } from '../../stage/staged-format.js';
import { assertCountsAddUp, describeWhere, NO_ROWS, type LedgerCounts } from '../../merge-rules/batch-counts.js';
import { countsResult, fromLedgerRow, ledgerRowParams } from './ledger-row.js';
import type { MergeResult, StagedBatch, StagedTopicBatch, TopicUnit } from '../../types.js';
import type { OffsetsKey } from '../dialect.js';
import { badInput } from '../../errors.js';
import { appendBinaryFields, binaryText, binaryTimestamptz } from './append-binary-fields.js';
import { LOCK_SQL, NOW_SQL, SHARED_LOCK_SQL, createSchemaSql, findBatchSql, insertBatchSql, targetColumnsSql } from './merge-sql.js';
import * as sql from './topic-merge-sql.js';
import { stateOnce } from './state-once.js';
import { retypeTarget } from './retype-target.js';
import { holds } from '../../../types/widening.js';

/** Creates the offsets ledger and dead-letter table once per process and schema (serialised across workers). */
export const ensureTopicState: (client: pg.Client, schema: string) => Promise<void> = stateOnce((schema) => sql.topicStateTablesSql(schema));

export async function readTopicOffsets(client: pg.Client, schema: string, key: OffsetsKey): Promise<Map<number, number>> {
  await ensureTopicState(client, schema);
  const res = await client.query<{ kafka_partition: number; next_offset: string }>(sql.readOffsetsSql(schema), [key.pipeline, key.region, key.cell, key.topic]);
  return new Map(res.rows.map((r) => [r.kafka_partition, Number(r.next_offset)]));
}

/** COPYs each staged file (its format told by its name) with the statement made for that format; `through` transforms the rows on the way. */
async function copyFiles(client: pg.Client, stage: Stage, copySql: (key: string) => string, keys: string[], through: (() => Transform) | undefined, label: string): Promise<number> {
  let n = 0;
  for (const key of keys) {
    const copy = client.query(copyFrom(copySql(key)));
    await (through ? pipeline(stage.reader(key), gunzipStaged(), through(), copy) : pipeline(stage.reader(key), gunzipStaged(), copy)).catch((err: unknown) => {
      throw stagedFileError(err, key, label);
    });
    n += Number(copy.rowCount ?? 0);
  }
  return n;
}

/**
 * Append-only batches in binary, with nothing of their range loaded yet, skip the temp table: the
 * rows go straight into the target with their cell and lineage appended to each tuple.
 */
const straightIntoTarget = (batch: StagedBatch, spec: sql.TopicMergeSpec, from: number) =>
  spec.key === null && from === (batch.unit as TopicUnit).from && batch.files.every((f) => stagedFormat(f.key) === 'binary');

/**
 * The ledger said these offsets were not loaded, so a message already in the target means
 * either a second attempt of this batch committed meanwhile (a retry then finds it done) or
 * the target and the ledger disagree (a ledger reset by hand): the primary key refuses it, and
 * the error says where.
 */
function alreadyLoadedError(err: unknown, label: string, table: string, current: number | null): unknown {
  const e = err as { code?: string; detail?: string };
  if (e.code !== '23505') return err;
  const at = /^Key \(.*\)=\((.*)\) already exists/.exec(e.detail ?? '')?.[1] ?? '?';
  return new Error(`${label}: message (source, partition, offset) = (${at}) is already in ${table}, but the offsets ledger is at ${current ?? 'unset'}; nothing was merged`);
}

/** Creates the target, or widens and adds the columns the config now maps (a topic's columns come from its config alone). */
async function evolveTopicTarget(client: pg.Client, spec: sql.TopicMergeSpec, where: string): Promise<void> {
  await client.query(createSchemaSql(spec.schema));
  const before = await client.query<{ name: string; type: string }>(targetColumnsSql(), [spec.schema, spec.table]);
  if (before.rows.length === 0) {
    await client.query(sql.createTopicTargetSql(spec));
    return;
  }
  const targetTypes = new Map(before.rows.map((r) => [r.name, r.type]));
  await retypeTarget(client, { target: spec, targetTypes, columns: spec.columns, policy: spec.onTypeChange, where, batchSide: 'in the config' });
  const existing = new Set(targetTypes.keys());
  const fresh = sql.topicTargetColumns(spec).filter((c) => !existing.has(c.name));
  for (const stmt of sql.addTopicColumnsSql(spec, fresh)) await client.query(stmt);
}

/**
 * Append-only batches write only their own offsets (their partition's ledger row is locked
 * below), so once the target has every column they share it: partitions and cells merge side
 * by side. Creating, adding to or retyping the target, and upserts by key, take it alone.
 */
async function lockTarget(client: pg.Client, spec: sql.TopicMergeSpec): Promise<void> {
  const key = `tributary:${spec.schema}.${spec.table}`;
  if (spec.key === null) {
    const existing = new Map((await client.query<{ name: string; type: string }>(targetColumnsSql(), [spec.schema, spec.table])).rows.map((r) => [r.name, r.type]));
    const fits = (c: { name: string; type: string }) => existing.has(c.name) && holds(existing.get(c.name)!, c.type);
    if (existing.size > 0 && sql.topicTargetColumns(spec).every(fits)) {
      await client.query(SHARED_LOCK_SQL, [key]);
      return;
    }
  }
  await client.query(LOCK_SQL, [key]);
}

export async function mergeTopicBatch(client: pg.Client, stage: Stage, schema: string, batch: StagedTopicBatch, spec: sql.TopicMergeSpec): Promise<MergeResult> {
  const { unit, topic: info } = batch;
  const label = `pipeline ${unit.pipeline}, source ${unit.source}, partition ${unit.partition}`;
  const counts = (loaded: number, deadLettered: number, nextOffset: number) => topicCounts(unit, info, loaded, deadLettered, nextOffset);
  const fileLabel = `${describeWhere({ pipeline: unit.pipeline, region: unit.region, source: unit.source, table: `${spec.schema}.${spec.table}` })}, partition ${unit.partition}`;

  await ensureTopicState(client, schema);
  await client.query('BEGIN');
  try {
    await lockTarget(client, spec);
    const done = await client.query<Record<string, string>>(findBatchSql(schema), [unit.batchId]);
    if (done.rows[0]) {
      await client.query('COMMIT');
      const r = fromLedgerRow(unit.batchId, done.rows[0]);
      return { ...r, topic: counts(r.inserted + r.updated, r.deadLettered, unit.to) };
    }
    const ledgerKey = [unit.pipeline, unit.region, unit.cell, unit.topic, unit.partition];
    const row = await client.query<{ next_offset: string }>(sql.lockOffsetSql(schema), ledgerKey);
    const current = row.rows[0] ? Number(row.rows[0].next_offset) : null;
    let decision;
    try {
      decision = decideMerge(current, unit);
    } catch (err) {
      throw badInput(`${label}: ${(err as Error).message}`);
    }
    if (decision.action === 'skip') {
      await client.query('COMMIT');
      return { ...countsResult(unit.batchId, NO_ROWS, true), topic: counts(0, 0, current!) };
    }

    await evolveTopicTarget(client, spec, fileLabel);
    for (const stmt of sql.createTopicStageSql(spec)) await client.query(stmt);
    const lineage = [unit.source, unit.region, unit.batchId, batch.extractedAt, unit.cell];
    const straight = straightIntoTarget(batch, spec, decision.from);
    const rowFiles = batch.files.map((f) => f.key);
    let staged: number;
    if (straight) {
      const now = (await client.query<{ micros: string }>(NOW_SQL)).rows[0]!;
      const appended = () =>
        appendBinaryFields([
          ...[unit.cell, unit.source, unit.region, unit.batchId].map(binaryText),
          binaryTimestamptz(BigInt(Date.parse(batch.extractedAt)) * 1000n),
          binaryTimestamptz(BigInt(now.micros)),
        ]);
      staged = await copyFiles(client, stage, () => sql.copyTopicRowsIntoTargetSql(spec), rowFiles, appended, fileLabel).catch((err: unknown) => {
        throw alreadyLoadedError(err, label, `${spec.schema}.${spec.table}`, current);
      });
    } else {
      staged = await copyFiles(client, stage, (key) => sql.copyTopicRowsSql(spec, stagedFormat(key)), rowFiles, undefined, fileLabel);
    }
    const stagedDead = await copyFiles(client, stage, () => sql.copyDeadLettersSql(), info.deadLetterFiles.map((f) => f.key), undefined, fileLabel);
    let rows = staged;
    let dead = stagedDead;
    // Messages another run loaded already (part of the range committed by it) leave the target as it is.
    let alreadyLoaded = 0;
    if (decision.from > unit.from) {
      const [trimRows, trimDead] = sql.trimStagedSql();
      const trimmedRows = (await client.query(trimRows!, [decision.from])).rowCount ?? 0;
      const trimmedDead = (await client.query(trimDead!, [decision.from])).rowCount ?? 0;
      rows -= trimmedRows;
      dead -= trimmedDead;
      alreadyLoaded = trimmedRows + trimmedDead;
    }

    let inserted: number;
    let updated = 0;
    let deduplicated = 0;
    let older = 0;
    if (straight) {
      inserted = staged;
    } else if (spec.key) {
      const incoming = (await client.query(sql.incomingByKeySql(spec))).rowCount ?? 0;
      deduplicated = rows - incoming;
      updated = (await client.query(sql.deleteReplacedByKeySql(spec), [unit.source])).rowCount ?? 0;
      inserted = ((await client.query(sql.insertByKeySql(spec), lineage)).rowCount ?? 0) - updated;
      older = Number((await client.query<{ n: string }>(sql.olderThanTargetSql(spec), [unit.source, unit.batchId])).rows[0]!.n);
    } else {
      const appended = await client.query(sql.appendSql(spec), lineage).catch((err: unknown) => {
        throw alreadyLoadedError(err, label, `${spec.schema}.${spec.table}`, current);
      });
      inserted = appended.rowCount ?? 0;
    }
    const where = [unit.pipeline, unit.region, unit.source, unit.cell, unit.topic];
    const deadLettered = dead > 0 ? ((await client.query(sql.insertDeadLettersSql(schema), [...where, unit.batchId])).rowCount ?? 0) : 0;
    if (decision.gap) {
      const [a, b] = decision.gap;
      const detail = `offsets ${a} to ${b - 1} were deleted by the cluster's retention before they were loaded`;
      await client.query(sql.insertGapSql(schema), [...where, unit.partition, a, detail, unit.batchId]);
    }
    const table = `${spec.schema}.${spec.table}`;
    const c: LedgerCounts = { read: info.consumed, staged: staged + stagedDead, inserted, updated, unchanged: older + alreadyLoaded, deleted: 0, deletedAbsent: 0, deduplicated, deadLettered };
    assertCountsAddUp(c, batch.rows + info.deadLettered, { pipeline: unit.pipeline, region: unit.region, source: unit.source, table });
    await client.query(insertBatchSql(schema), ledgerRowParams({ batchId: unit.batchId, pipeline: unit.pipeline, region: unit.region, source: unit.source, stream: unit.topic, target: table, from: String(decision.from), to: String(unit.to), checksum: batch.checksum }, c));
    await client.query(sql.upsertOffsetSql(schema), [...ledgerKey, unit.source, unit.to, unit.batchId]);
    await client.query('COMMIT');
    return { ...countsResult(unit.batchId, c), topic: counts(rows, dead, unit.to) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

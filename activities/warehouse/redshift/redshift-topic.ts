// Topic batches on Redshift: the offsets ledger read, and the merge of one partition's batch.
// Outside the transaction: the state tables, the batch ledger and offsets look-up (a batch the
// ledger is past is skipped without loading), the target's DDL. Then ONE BatchExecuteStatement
// (topic-merge-sql.ts) whose guard re-checks the ledger under the target's lock.
import { badInput } from '../../errors.js';
import type { MergeResult, StagedTopicBatch } from '../../types.js';
import type { OffsetsKey } from '../dialect.js';
import type { MergeActivity } from '../../heartbeat.js';
import type { TopicMergeSpec } from '../../specs/merge-specs.js';
import { topicCounts } from '../../merge-rules/topic-counts.js';
import { StatementFailed } from './data-api.js';
import { columnNameProblems } from './identifiers.js';
import { topicDecision } from './ledger-decision.js';
import { findBatchSql, widenColumnSql } from './merge-sql.js';
import { redshiftRetypes } from './retype.js';
import { describeWhere } from '../../merge-rules/batch-counts.js';
import { ledgerBatch, offsetsStateTablesSql, readOffsetsSql } from './offsets-sql.js';
import type { RedshiftSession } from './session.js';
import { countsFailure, fromLedger, NO_ROWS_LEDGER } from './ledger-result.js';
import { addTopicColumnSqls, createTopicTargetSql, topicMergeBatch, topicTargetColumns, type TopicBatch } from './topic-merge-sql.js';

export async function readRedshiftOffsets(w: RedshiftSession, key: OffsetsKey, partitions?: number[]): Promise<Map<number, number>> {
  await w.ensureKindState('offsets', offsetsStateTablesSql(w.cfg.schema));
  if (partitions?.length === 0) return new Map();
  const params: Record<string, string> = { pipeline: key.pipeline, region: key.region, cell: key.cell, topic: key.topic };
  partitions?.forEach((p, i) => (params[`partition_${i}`] = String(p)));
  const rows = await w.api.query(readOffsetsSql(w.cfg.schema, partitions?.length), params, 'read the offsets ledger');
  return new Map(rows.map((r) => [Number(r.kafka_partition), Number(r.next_offset)]));
}

/** A failed topic or CDC batch as an error naming the pipeline and source (and, for a load error, file, line and column). */
export async function explainBatch(
  w: RedshiftSession,
  err: StatementFailed,
  at: { guard: number; copies: number[]; counts: number[]; countsCheck: number },
  label: string,
  target: string,
  region: string,
): Promise<unknown> {
  const counted = countsFailure(err, { countCheck: at.counts.includes(err.failedIndex) ? err.failedIndex : -1, countsCheck: at.countsCheck }, label, region, target);
  if (counted) return counted;
  const text = err.statement.Error ?? err.statement.Status ?? 'no error text';
  if (err.failedIndex === at.guard) {
    // Retryable: the next attempt reads the ledger again and skips or loads what is left.
    return new Error(`${label}: the ledger changed while the batch for ${target} was submitted (${text}); nothing was merged`);
  }
  if (at.copies.includes(err.failedIndex)) {
    const message = await w.loadErrorMessage(err, err.failedIndex, label, target);
    return message ? badInput(message) : new Error(`${label}: COPY into the stage for ${target} failed: ${text}`);
  }
  return new Error(`${label}: the merge into ${target} failed at statement ${err.failedIndex + 1}: ${text}`);
}

export async function mergeRedshiftTopic(w: RedshiftSession, batch: StagedTopicBatch, spec: TopicMergeSpec, activity: MergeActivity): Promise<MergeResult> {
  const { unit, topic: info } = batch;
  const label = `pipeline ${unit.pipeline}, source ${unit.source}, partition ${unit.partition}`;
  const target = `${spec.schema}.${spec.table}`;
  const stage = w.s3Stage(label);
  const problems = columnNameProblems(topicTargetColumns(spec).map((c) => c.name));
  if (problems.length) throw badInput(`${label}: topic ${unit.topic} cannot load into Redshift: ${problems.join('; ')}`);
  const counts = (loaded: number, deadLettered: number, nextOffset: number) => topicCounts(unit, info, loaded, deadLettered, nextOffset);

  await w.ensureKindState('offsets', offsetsStateTablesSql(w.cfg.schema));
  const [done] = await w.api.query(findBatchSql(w.cfg.schema), { batch_id: unit.batchId }, 'look up the batch');
  if (done) {
    const r = fromLedger(unit.batchId, done, true);
    return { ...r, topic: counts(r.inserted + r.updated, r.deadLettered, unit.to) };
  }
  const ledger = await readRedshiftOffsets(w, unit, [unit.partition]);
  const current = ledger.get(unit.partition) ?? null;
  let decision: ReturnType<typeof topicDecision>;
  try {
    decision = topicDecision(current, unit);
  } catch (err) {
    throw badInput(`${label}: ${(err as Error).message}`);
  }
  if (decision.action === 'skip') {
    return { ...fromLedger(unit.batchId, NO_ROWS_LEDGER, true), topic: counts(0, 0, current!) };
  }

  // The target follows the config: created, or the columns it now maps added (outside the transaction).
  const existing = await w.targetColumns(spec);
  if (existing.length === 0) await w.ddl(createTopicTargetSql(spec));
  else {
    const where = `${describeWhere({ pipeline: unit.pipeline, region: unit.region, source: unit.source, table: target })}, partition ${unit.partition}`;
    for (const v of redshiftRetypes(spec.columns, new Map(existing.map((c) => [c.name, c])), spec.onTypeChange ?? 'widen', where, 'in the config')) await w.ddl(widenColumnSql(spec, v.name, v.bytes));
    for (const stmt of addTopicColumnSqls(spec, new Set(existing.map((c) => c.name)))) await w.ddl(stmt);
  }

  const deadFiles = info.deadLetterFiles.map((f) => f.key);
  const plan: TopicBatch = topicMergeBatch({
    spec,
    stateSchema: w.cfg.schema,
    rowsManifestUrl: await stage.batchManifestUrl(batch.files.map((f) => f.key), `${unit.stagePrefix}/rows.manifest.json`),
    deadManifestUrl: await stage.batchManifestUrl(deadFiles, `${unit.stagePrefix}/dead-letters.manifest.json`),
    copyRoleArn: w.cfg.copyRoleArn,
    values: {
      ...ledgerBatch(unit),
      rows: batch.rows,
      deadLetters: info.deadLettered,
      consumed: info.consumed,
      loadFrom: decision.from,
      from: unit.from,
      to: unit.to,
      checksum: batch.checksum,
      extractedAt: batch.extractedAt,
      loadedAt: new Date().toISOString(),
    },
    move: decision.move,
  });
  let row: Record<string, unknown> | undefined;
  try {
    row = await w.runBatch(plan.sqls, plan.parameters, unit.batchId, plan.at.result, activity);
  } catch (err) {
    if (err instanceof StatementFailed) {
      throw await explainBatch(w, err, { guard: plan.at.guard, copies: [plan.at.copyRows, plan.at.copyDead], counts: [plan.at.countRows, plan.at.countDead], countsCheck: plan.at.countsCheck }, label, target, unit.region);
    }
    throw err;
  }
  if (!row) throw new Error(`${label}: the merge into ${target} finished without its counts`);
  return { ...fromLedger(unit.batchId, row, false), topic: counts(Number(row.rows_in), Number(row.dead), unit.to) };
}

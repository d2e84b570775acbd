// CDC batches on Redshift. Outside the transaction: the state tables, the batch ledger and the
// partitions' offsets (a batch the ledger is past is skipped; one another run applied in part is
// refused), the target's and the moved-rows table's DDL with the new-column policy. Then ONE
// BatchExecuteStatement (cdc-merge-sql.ts) whose guard re-checks the ledger under the target's lock.
// The snapshot epochs and the open snapshot are read beforehand too, and what the batch does with
// them (a truncate's version, a snapshot that closes) decided here (cdc-heal-sql.ts).
import { badInput } from '../../errors.js';
import type { ColumnSpec } from '../../specs/columns.js';
import type { Row } from '../../specs/row.js';
import { oldKeyId } from '../../merge-rules/key-id.js';
import type { StagedCdcBatch, CdcUnit, MergeResult, StagedBatch } from '../../types.js';
import type { MergeActivity } from '../../heartbeat.js';
import type { CdcTarget } from '../../specs/merge-specs.js';
import { addCdcColumnSql, cdcMergeBatch, cdcMetaDefs, createCdcTargetSql, createMovedTableSql, movedLsnsSql, movedTableName, type RedshiftCdcSpec } from './cdc-merge-sql.js';
import { StatementFailed } from './data-api.js';
import { columnNameProblems, foldName, qualified } from './identifiers.js';
import { cdcDecision, cdcMoves } from './ledger-decision.js';
import { findBatchSql, widenColumnSql } from './merge-sql.js';
import { redshiftRetypes } from './retype.js';
import { describeWhere } from '../../merge-rules/batch-counts.js';
import { ledgerBatch, offsetsStateTablesSql } from './offsets-sql.js';
import { explainBatch, readRedshiftOffsets } from './redshift-topic.js';
import type { RedshiftSession } from './session.js';
import { fromLedger, NO_ROWS_LEDGER } from './ledger-result.js';
import { redshiftType } from './types.js';
import { cdcHealTablesSql, readEpochsSql, readSnapshotSql, type CdcHeal } from './cdc-heal-sql.js';
import { stagedMeta } from '../../specs/cdc-columns.js';
import { stepSnapshot } from '../../merge-rules/snapshot-step.js';
import type { CdcBatchInfo } from '../../types.js';

const WEEK_MS = 7 * 86_400_000;
/** Old keys asked about per statement (two parameters each for a two-column key). */
const KEYS_PER_QUERY = 50;

/** Creates the target (and its moved-rows table) or applies the type-change and new-column policies; returns the columns the target gets. */
async function evolve(w: RedshiftSession, spec: RedshiftCdcSpec, t: CdcTarget, label: string, where: string): Promise<ColumnSpec[]> {
  const policy = t.onNewColumn;
  const movedTable = { schema: w.cfg.schema, table: movedTableName(spec.schema, spec.table) };
  const columns = await w.targetColumns(spec);
  const existing = new Set(columns.map((c) => c.name));
  let written = spec.columns;
  if (existing.size === 0) {
    await w.ddl(createCdcTargetSql(spec));
  } else {
    const wider = redshiftRetypes(spec.columns, new Map(columns.map((c) => [c.name, c])), t.onTypeChange ?? 'widen', where, 'at the source');
    for (const v of wider) await w.ddl(widenColumnSql(spec, v.name, v.bytes));
    for (const m of cdcMetaDefs(spec, true)) if (!existing.has(m.name)) await w.ddl(addCdcColumnSql(spec, m.name, m.sql));
    const fresh = spec.columns.filter((c) => !existing.has(foldName(c.name)));
    if (fresh.length > 0) {
      if (policy === 'fail') {
        throw badInput(`${label}: the source has new column(s) ${fresh.map((c) => c.name).join(', ')} that ${spec.schema}.${spec.table} lacks, and the pipeline's onNewColumn policy is "fail"`);
      }
      if (policy === 'ignore') written = spec.columns.filter((c) => existing.has(foldName(c.name)));
      else for (const c of fresh) await w.ddl(addCdcColumnSql(spec, c.name, redshiftType(c).sql));
    }
  }
  const keptColumns = await w.targetColumns(movedTable);
  const kept = new Set(keptColumns.map((c) => c.name));
  if (kept.size === 0) await w.ddl(createMovedTableSql({ ...spec, columns: written }, w.cfg.schema));
  else {
    // Rows moved away by key changes keep the target's types: widened with it.
    for (const v of redshiftRetypes(written, new Map(keptColumns.map((c) => [c.name, c])), t.onTypeChange ?? 'widen', where, 'at the source')) await w.ddl(widenColumnSql(movedTable, v.name, v.bytes));
    for (const c of written) if (!kept.has(foldName(c.name))) await w.ddl(addCdcColumnSql(spec, c.name, redshiftType(c).sql, qualified(movedTable.schema, movedTable.table)));
  }
  return written;
}

/** What the batch does besides its changes, from the epochs and open snapshot in the ledger (read before the batch). */
async function healFor(w: RedshiftSession, unit: CdcUnit, info: CdcBatchInfo, stagedColumns: StagedBatch['stagedColumns'], targetExists: boolean): Promise<CdcHeal | undefined> {
  if (!info.snapshots) return undefined;
  await w.ensureKindState('cdc-heal', cdcHealTablesSql(w.cfg.schema));
  const key = { pipeline: unit.pipeline, region: unit.region, cell: unit.cell, topic: unit.topic };
  let truncateVersion: string | null = null;
  if (info.truncate && targetExists) {
    const epochs = await w.api.query(readEpochsSql(w.cfg.schema), key, 'read the snapshot epochs');
    const epoch = epochs.find((r) => Number(r.kafka_partition) === info.truncate!.partition);
    const v = BigInt(info.truncate.version);
    truncateVersion = (epoch && BigInt(String(epoch.lsn)) > v ? BigInt(String(epoch.lsn)) : v).toString();
  }
  const [open] = await w.api.query(readSnapshotSql(w.cfg.schema), key, 'read the open snapshot');
  const before = open ? { lsn: BigInt(String(open.lsn)), closing: Number(open.closing) === 1, markPartition: open.mark_partition == null ? null : Number(open.mark_partition) } : null;
  const marks = info.snapshots.marks.map((m) => ({ ...m, lsn: BigInt(m.lsn) }));
  const step = stepSnapshot(before, marks, info.ranges);
  const changed = marks.length > 0 || step.closeBelow !== null;
  return {
    raise: stagedMeta(stagedColumns).some((c) => c.name === '_partition'),
    truncateVersion,
    closeBelow: step.closeBelow !== null && targetExists ? step.closeBelow.toString() : null,
    epochs: info.snapshots.epochs,
    ...(changed ? { snapshot: step.open && { lsn: step.open.lsn.toString(), closing: step.open.closing, markPartition: step.open.markPartition } } : {}),
  };
}

export async function mergeRedshiftCdc(w: RedshiftSession, batch: StagedCdcBatch, t: CdcTarget, activity: MergeActivity): Promise<MergeResult> {
  const { unit, cdc: info } = batch;
  const label = `pipeline ${unit.pipeline}, source ${unit.source}`;
  const target = `${t.schema}.${t.table}`;
  const stage = w.s3Stage(label);
  const cdc = { newestSourceTsMs: info.newestSourceTsMs, events: info.events };
  const nothing = { ...fromLedger(unit.batchId, NO_ROWS_LEDGER, true), cdc };
  const problems = columnNameProblems(batch.columns.map((c) => c.name));
  if (problems.length) throw badInput(`${label}: topic ${unit.topic} cannot apply to Redshift: ${problems.join('; ')}`);

  await w.ensureKindState('offsets', offsetsStateTablesSql(w.cfg.schema));
  const [done] = await w.api.query(findBatchSql(w.cfg.schema), { batch_id: unit.batchId }, 'look up the batch');
  if (done) {
    return { ...fromLedger(unit.batchId, done, true), cdc };
  }
  const ledger = await readRedshiftOffsets(w, unit, unit.ranges.map((r) => r.partition));
  const current = new Map(unit.ranges.map((r) => [r.partition, ledger.get(r.partition) ?? null]));
  let decision: 'load' | 'skip';
  try {
    decision = cdcDecision(unit, current);
  } catch (err) {
    throw badInput(`${label}: ${(err as Error).message}`);
  }
  if (decision === 'skip') return nothing;

  const spec: RedshiftCdcSpec = { schema: t.schema, table: t.table, columns: batch.columns, written: batch.columns, key: t.key, deletes: t.deletes };
  let manifestUrl: string | null = null;
  const targetExists = batch.rows > 0 || (await w.targetColumns(spec)).length > 0;
  if (batch.rows > 0) {
    spec.written = await evolve(w, spec, t, label, describeWhere({ pipeline: unit.pipeline, region: unit.region, source: unit.source, table: target }));
    manifestUrl = await stage.batchManifestUrl(
      batch.files.map((f) => f.key),
      `${unit.stagePrefix}/changes.manifest.json`,
    );
  }
  const dead = info.deadLetters && { manifestUrl: await stage.batchManifestUrl(info.deadLetters.files.map((f) => f.key), `${unit.stagePrefix}/dead-letters.manifest.json`), count: info.deadLetters.count };
  const ranges = (f: (r: { partition: number; from: number; to: number }) => number) => info.ranges.map((r) => `${r.partition}:${f(r)}`).join(',');
  // Read before the batch: a Data API failure here is retried, not taken for bad input.
  const heal = await healFor(w, unit, info, batch.stagedColumns, targetExists);
  const now = Date.now();
  let plan: ReturnType<typeof cdcMergeBatch>;
  try {
    plan = cdcMergeBatch({
      spec,
      stateSchema: w.cfg.schema,
      manifestUrl,
      copyRoleArn: w.cfg.copyRoleArn,
      values: {
        ...ledgerBatch(unit),
        rows: batch.rows,
        rangeFrom: ranges((r) => r.from),
        rangeTo: ranges((r) => r.to),
        checksum: batch.checksum,
        extractedAt: batch.extractedAt,
        loadedAt: new Date(now).toISOString(),
        expireBefore: new Date(now - WEEK_MS).toISOString(),
        events: info.events,
      },
      moves: cdcMoves(info.ranges, current),
      heal,
      ...(dead ? { dead } : {}),
    });
  } catch (err) {
    throw badInput(`${label}: ${(err as Error).message}`);
  }
  let row: Record<string, unknown> | undefined;
  try {
    row = await w.runBatch(plan.sqls, plan.parameters, unit.batchId, plan.at.result, activity);
  } catch (err) {
    if (err instanceof StatementFailed) throw await explainBatch(w, err, { guard: plan.at.guard, copies: [plan.at.copy, plan.at.copyDead], counts: [plan.at.countCheck, plan.at.countDead], countsCheck: -1 }, label, target, unit.region);
    throw err;
  }
  if (!row) throw new Error(`${label}: the merge into ${target} finished without its counts`);
  return { ...fromLedger(unit.batchId, row, false), cdc };
}

/** The LSN at which applied primary-key changes last moved each of `oldKeys` away (by oldKeyId). */
export async function readRedshiftMovedLsns(w: RedshiftSession, target: { schema: string; table: string }, source: string, oldKeys: Row[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  if (oldKeys.length === 0) return out;
  const moved = { schema: w.cfg.schema, table: movedTableName(target.schema, target.table) };
  // No table yet: no key change was ever applied to this target.
  if ((await w.targetColumns(moved)).length === 0) return out;
  const keyColumns = Object.keys(oldKeys[0]!);
  for (let i = 0; i < oldKeys.length; i += KEYS_PER_QUERY) {
    const chunk = oldKeys.slice(i, i + KEYS_PER_QUERY);
    const params: Record<string, string> = { source };
    const byText = new Map<string, string>();
    chunk.forEach((key, n) => {
      const texts = keyColumns.map((k) => key[k] ?? '');
      texts.forEach((v, j) => (params[`oldkey_${n}_${j}`] = v));
      byText.set(JSON.stringify(texts), oldKeyId(key));
    });
    const rows = await w.api.query(movedLsnsSql(w.cfg.schema, target, keyColumns, chunk.length), params, 'read moved keys');
    for (const r of rows) {
      const id = byText.get(JSON.stringify(keyColumns.map((_, j) => String(r[`k_${j}`]))));
      if (id === undefined) continue;
      const lsn = BigInt(String(r.lsn));
      if ((out.get(id) ?? -1n) < lsn) out.set(id, lsn);
    }
  }
  return out;
}

// The CDC merge on the PostgreSQL warehouse, in ONE transaction: check the batch and offsets
// ledgers under lock, stage the collapsed changes, fill unchanged TOASTed values from the
// warehouse rows that hold them (before anything is deleted; rows moved away by a primary-key
// change in an earlier batch are kept in tributary_cdc_moved for that), keep the rows this
// batch moves away, delete (or mark deleted) the deleted keys, including the old keys of
// primary-key changes, upsert the rest behind the LSN
// version guard, add new columns per policy, and move every partition's ledger offset and
// write the batch ledger row. A retried batch finds itself in the ledger and does nothing.
// Around the changes (cdc-heal-sql.ts): streamed versions are raised to their partition's snapshot
// epoch first, a truncate empties the source's rows before the changes after it apply, and a
// snapshot that closes deletes the rows it did not write; epochs and the open snapshot are kept in
// the ledger in the same transaction.
import { pipeline } from 'node:stream/promises';
import { gunzipStaged, stagedFileError } from '../../stage/staged-format.js';
import { assertCountsAddUp, describeWhere, NO_ROWS, type LedgerCounts } from '../../merge-rules/batch-counts.js';
import { countsResult, fromLedgerRow, ledgerRowParams } from './ledger-row.js';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { log } from '@temporalio/activity';
import { decideCdcBatch } from '../../merge-rules/offset-decision.js';
import type { ColumnSpec } from '../../specs/columns.js';
import type { Stage } from '../../stage/stage.js';
import type { StagedCdcBatch, CdcUnit, MergeResult } from '../../types.js';
import { badInput } from '../../errors.js';
import type { CdcTarget } from '../../specs/merge-specs.js';
import { retypeTarget } from './retype-target.js';

export type { CdcTarget } from '../../specs/merge-specs.js';
import { LOCK_SQL, createSchemaSql, findBatchSql, insertBatchSql, targetColumnsSql } from './merge-sql.js';
import { lockOffsetSql, upsertOffsetSql, insertGapSql } from './topic-merge-sql.js';
import { ensureTopicState } from './topic-merge.js';
import { loadDeadLetters } from './dead-letters.js';
import * as sql from './cdc-merge-sql.js';
import * as heal from './cdc-heal-sql.js';
import { stateOnce } from './state-once.js';
import type { Row } from '../../specs/row.js';
import { oldKeyId } from '../../merge-rules/key-id.js';
import { stagedMeta } from '../../specs/cdc-columns.js';
import { stepSnapshot, type OpenSnapshot } from '../../merge-rules/snapshot-step.js';

/** Creates the moved-rows table once per process and schema (serialised across workers). */
const ensureCdcState = stateOnce((schema) => [...sql.cdcStateTablesSql(schema), ...heal.cdcHealTablesSql(schema)]);

/** All partitions of the batch follow the ledger (load), or all were applied already (skip); anything else is a conflicting run. */
function decide(unit: CdcUnit, current: Map<number, number | null>, label: string): 'load' | 'skip' {
  try {
    return decideCdcBatch(unit.ranges, current);
  } catch (err) {
    throw badInput(`${label}: ${(err as Error).message}`);
  }
}

/** Creates the target or applies the type-change and new-column policies; returns the columns the target gets. */
async function evolve(client: pg.Client, spec: sql.CdcMergeSpec, t: CdcTarget, label: string, where: string): Promise<ColumnSpec[]> {
  const policy = t.onNewColumn;
  await client.query(createSchemaSql(spec.schema));
  const before = await client.query<{ name: string; type: string }>(targetColumnsSql(), [spec.schema, spec.table]);
  if (before.rows.length === 0) {
    await client.query(sql.createCdcTargetSql(spec));
    return spec.columns;
  }
  const existing = new Set(before.rows.map((r) => r.name));
  const targetTypes = new Map(before.rows.map((r) => [r.name, r.type]));
  await retypeTarget(client, { target: spec, targetTypes, columns: spec.columns, policy: t.onTypeChange, where, batchSide: 'at the source' });
  const meta = sql.cdcMetaColumns(spec).filter((c) => !existing.has(c.name));
  for (const stmt of sql.addCdcColumnsSql(spec, meta)) await client.query(stmt);
  const fresh = spec.columns.filter((c) => !existing.has(c.name));
  if (fresh.length === 0) return spec.columns;
  if (policy === 'fail') {
    throw badInput(`${label}: the source has new column(s) ${fresh.map((c) => c.name).join(', ')} that ${spec.schema}.${spec.table} lacks, and the pipeline's onNewColumn policy is "fail"`);
  }
  if (policy === 'ignore') return spec.columns.filter((c) => existing.has(c.name));
  for (const stmt of sql.addCdcColumnsSql(spec, fresh)) await client.query(stmt);
  return spec.columns;
}

/** Which old keys applied primary-key changes moved away, and at which LSN (by oldKeyId). */
export async function readMovedLsns(client: pg.Client, stateSchema: string, target: { schema: string; table: string }, source: string, oldKeys: Row[]): Promise<Map<string, bigint>> {
  await ensureCdcState(client, stateSchema);
  const res = await client.query<{ old_key: Row; lsn: string }>(sql.movedLsnsSql(stateSchema), [`${target.schema}.${target.table}`, source, oldKeys.map((k) => JSON.stringify(k))]);
  return new Map(res.rows.map((r) => [oldKeyId(r.old_key), BigInt(r.lsn)]));
}

export async function mergeCdcBatch(client: pg.Client, stage: Stage, stateSchema: string, batch: StagedCdcBatch, t: CdcTarget): Promise<MergeResult> {
  const { unit, cdc: info } = batch;
  const label = `pipeline ${unit.pipeline}, source ${unit.source}`;
  const cdc = { newestSourceTsMs: info.newestSourceTsMs, events: info.events };
  const nothing = { ...countsResult(unit.batchId, NO_ROWS, true), cdc };
  const fileLabel = describeWhere({ pipeline: unit.pipeline, region: unit.region, source: unit.source, table: `${t.schema}.${t.table}` });

  await ensureTopicState(client, stateSchema);
  await ensureCdcState(client, stateSchema);
  await client.query('BEGIN');
  try {
    await client.query(LOCK_SQL, [`tributary:${t.schema}.${t.table}`]);
    const done = await client.query<Record<string, string>>(findBatchSql(stateSchema), [unit.batchId]);
    if (done.rows[0]) {
      await client.query('COMMIT');
      return { ...fromLedgerRow(unit.batchId, done.rows[0]), cdc };
    }
    const current = new Map<number, number | null>();
    for (const r of unit.ranges) {
      const row = await client.query<{ next_offset: string }>(lockOffsetSql(stateSchema), [unit.pipeline, unit.region, unit.cell, unit.topic, r.partition]);
      current.set(r.partition, row.rows[0] ? Number(row.rows[0].next_offset) : null);
    }
    if (decide(unit, current, label) === 'skip') {
      await client.query('COMMIT');
      return nothing;
    }

    let inserted = 0;
    let updated = 0;
    let deleted = 0;
    // Counting: rows the source no longer has (truncate, closed snapshot), apart from deletes by staged changes.
    let deletedAbsent = 0;
    let staged = 0;
    const topic = [unit.pipeline, unit.region, unit.cell, unit.topic];
    const spec: sql.CdcMergeSpec = { schema: t.schema, table: t.table, columns: batch.columns, written: batch.columns, key: t.key, deletes: t.deletes };
    const byVersion = async (cmp: '<' | '<=', bound: string) =>
      (await client.query(heal.deleteByVersionSql(spec, cmp), spec.deletes === 'soft' ? [unit.source, bound, unit.batchId] : [unit.source, bound])).rowCount ?? 0;
    let exists = batch.rows > 0;
    if (batch.rows > 0) {
      spec.written = await evolve(client, spec, t, label, describeWhere({ pipeline: unit.pipeline, region: unit.region, source: unit.source, table: `${t.schema}.${t.table}` }));
      await client.query(sql.createCdcStageSql(spec));
      const meta = stagedMeta(batch.stagedColumns);
      for (const file of batch.files) {
        const copy = client.query(copyFrom(sql.copyCdcStageSql(spec, meta)));
        await pipeline(stage.reader(file.key), gunzipStaged(), copy).catch((err: unknown) => {
          throw stagedFileError(err, file.key, fileLabel);
        });
        staged += Number(copy.rowCount ?? 0);
      }
      // Streamed changes sent after a snapshot an earlier batch read are newer than its rows.
      await client.query(heal.raiseToEpochsSql(stateSchema), topic);
      // Unchanged TOASTed values first: a primary-key change deletes the row that holds them.
      const targetName = `${t.schema}.${t.table}`;
      const missing = await client.query<{ name: string }>(sql.missingColumnsSql());
      for (const { name } of missing.rows) {
        if (!spec.columns.some((c) => c.name === name)) continue;
        const fromMoved = (await client.query(sql.resolveFromMovedSql(spec, name, stateSchema), [unit.source, targetName])).rowCount ?? 0;
        const fromTarget = (await client.query(sql.resolveMissingSql(spec, name, stateSchema), [unit.source, targetName])).rowCount ?? 0;
        const wanted = (await client.query<{ n: number }>(sql.countMissingSql(name))).rows[0]!.n;
        if (fromMoved + fromTarget < wanted) {
          log.warn('unchanged TOASTed values not found in the warehouse (their rows predate what was loaded); left null', { pipeline: unit.pipeline, source: unit.source, column: name, count: wanted - fromMoved - fromTarget });
        }
      }
      await client.query(sql.keepMovedSql(spec, stateSchema), [unit.source, targetName, unit.batchId]);
      await client.query(sql.expireMovedSql(stateSchema), [targetName]);
    } else {
      exists = (await client.query(targetColumnsSql(), [t.schema, t.table])).rows.length > 0;
    }
    // The changes staged are those after the truncate: it goes first.
    if (info.truncate && exists) {
      const v = await client.query<{ version: string }>(heal.truncateVersionSql(stateSchema), [...topic, info.truncate.partition, info.truncate.version]);
      const n = await byVersion('<=', v.rows[0]!.version);
      deleted += n;
      deletedAbsent += n;
    }
    if (batch.rows > 0) {
      deleted += (await client.query(sql.deleteCdcSql(spec), spec.deletes === 'soft' ? [unit.source, unit.batchId] : [unit.source])).rowCount ?? 0;
      const w = await client.query<{ inserted: number; updated: number }>(sql.upsertCdcSql(spec), [unit.source, unit.region, unit.batchId, batch.extractedAt]);
      inserted = w.rows[0]!.inserted;
      updated = w.rows[0]!.updated;
    }
    if (info.snapshots) {
      const open = (await client.query<{ lsn: string; closing: boolean; mark_partition: number | null }>(heal.readSnapshotSql(stateSchema), topic)).rows[0];
      const before: OpenSnapshot | null = open ? { lsn: BigInt(open.lsn), closing: open.closing, markPartition: open.mark_partition } : null;
      const marks = info.snapshots.marks.map((m) => ({ ...m, lsn: BigInt(m.lsn) }));
      const step = stepSnapshot(before, marks, info.ranges);
      // Keys the snapshot did not write and no later change touched are gone at the source.
      if (step.closeBelow !== null && exists) {
        const n = await byVersion('<', step.closeBelow.toString());
        deleted += n;
        deletedAbsent += n;
      }
      if (marks.length > 0 || step.closeBelow !== null) {
        await client.query(heal.clearSnapshotSql(stateSchema), topic);
        const s = step.open;
        if (s) await client.query(heal.keepSnapshotSql(stateSchema), [...topic, s.lsn.toString(), s.closing, s.markPartition, unit.batchId]);
      }
      for (const e of info.snapshots.epochs) await client.query(heal.upsertEpochSql(stateSchema), [...topic, e.partition, e.lsn, unit.batchId]);
    }
    // Changes that left the target as it was: older than the warehouse row, or deleting a key already gone.
    const unchanged = staged - inserted - updated - (deleted - deletedAbsent);
    const where = [unit.pipeline, unit.region, unit.source, unit.cell, unit.topic];
    const dead = await loadDeadLetters(client, stage, stateSchema, info.deadLetters?.files ?? [], [...where, unit.batchId], fileLabel);
    const counts: LedgerCounts = { read: info.events + (info.deadLetters?.count ?? 0), staged: staged + dead.staged, inserted, updated, unchanged, deleted, deletedAbsent, deduplicated: info.events - batch.rows, deadLettered: dead.inserted };
    assertCountsAddUp(counts, batch.rows + (info.deadLetters?.count ?? 0), { pipeline: unit.pipeline, region: unit.region, source: unit.source, table: `${t.schema}.${t.table}` });
    for (const r of unit.ranges) {
      const c = current.get(r.partition) ?? null;
      if (c !== null && c < r.from) {
        await client.query(insertGapSql(stateSchema), [...where, r.partition, c, `offsets ${c} to ${r.from - 1} were deleted by the cluster's retention before they were applied`, unit.batchId]);
      }
    }
    const ranges = (f: (r: { partition: number; from: number; to: number }) => number) => info.ranges.map((r) => `${r.partition}:${f(r)}`).join(',');
    await client.query(
      insertBatchSql(stateSchema),
      ledgerRowParams({ batchId: unit.batchId, pipeline: unit.pipeline, region: unit.region, source: unit.source, stream: unit.topic, target: `${t.schema}.${t.table}`, from: ranges((r) => r.from), to: ranges((r) => r.to), checksum: batch.checksum }, counts),
    );
    for (const r of info.ranges) {
      await client.query(upsertOffsetSql(stateSchema), [unit.pipeline, unit.region, unit.cell, unit.topic, r.partition, unit.source, r.to, unit.batchId]);
    }
    await client.query('COMMIT');
    return { ...countsResult(unit.batchId, counts), cdc };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

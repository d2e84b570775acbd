// Repair of a CDC pipeline's drifted buckets: the keys the warehouse lacks or holds changed are
// re-read by a resnapshot of exactly those keys, named by their key text as the warehouse side's
// verify names them (the pipeline's runs then apply the snapshot's rows, which replace any older
// row); the keys the source lacks are deleted (or marked) at once, through the warehouse side,
// but only where the warehouse row is older than the source's WAL position taken before the
// source was read: a change streamed since then is newer than what verify saw and is kept.
import type { CdcPipelineConfig } from '../../../config/schema.js';
import { keyNaming, type KeyNaming } from '../../reconcile/bucket-sql.js';
import type { ActivityDeps } from '../../deps.js';
import { changedKeys } from '../../reconcile/compare.js';
import { pgBucketReader } from '../../reconcile/read.js';
import type { RepairRequest, RepairStep, ResnapshotInput } from '../../types.js';
import { CURRENT_LSN_SQL, fitsSignal, resnapshotFilter, snapshotSignalData } from './resnapshot-signal.js';
import { withCdcSides } from './verify.js';

/** The narrowest resnapshot of the keys that fits one signal: the keys themselves, else their buckets. */
export function repairResnapshot(p: CdcPipelineConfig, req: RepairRequest, collection: string, keyTexts: string[], naming: KeyNaming): ResnapshotInput {
  const byKeys: ResnapshotInput = { pipeline: p.name, region: req.region, keyTexts };
  if (fitsSignal(snapshotSignalData(collection, resnapshotFilter(p.key, byKeys, p.name, naming)))) return byKeys;
  return { pipeline: p.name, region: req.region, buckets: { count: req.buckets, only: req.only } };
}

export async function repairCdc(deps: ActivityDeps, p: CdcPipelineConfig, req: RepairRequest): Promise<RepairStep> {
  return withCdcSides(deps, p, req.region, req.source, async (src, dst, t) => {
    // Before the source is read: a warehouse row older than this saw no change after the read.
    const lsn = (await src.query<{ lsn: string }>(CURRENT_LSN_SQL)).rows[0]!.lsn;
    const srcRows = await pgBucketReader(src).bucketRows(t.source, req.buckets, null, req.only);
    const dstRows = t.warehouse ? await dst.bucketRows(t.warehouse, req.buckets, null, req.only) : [];
    const inWarehouse = new Set(dstRows.map((r) => r.key));
    const atSource = new Set(srcRows.map((r) => r.key));
    const reread = [...srcRows.filter((r) => !inWarehouse.has(r.key)).map((r) => r.key), ...changedKeys(srcRows, dstRows)];
    const extra = dstRows.filter((r) => !atSource.has(r.key)).map((r) => r.key);
    let deleted = 0;
    if (extra.length > 0 && t.warehouse) {
      deleted = await dst.deleteKeysBefore(t.warehouse, extra, lsn, `pipeline ${p.name}, region ${req.region}, source ${t.server.id}, table ${t.warehouse.schema}.${t.warehouse.table}`);
    }
    const collection = `${t.source.schema}.${t.source.table}`;
    return { deleted, ...(reread.length > 0 ? { resnapshot: repairResnapshot(p, req, collection, reread, keyNaming(t.source)) } : {}) };
  });
}

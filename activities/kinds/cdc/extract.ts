// The CDC kind's extract: the operator's skips from the warehouse (`tributary cdc skip`), then the
// batch. A winner of its key whose row does not decode is found only while the batch is staged:
// the batch is read again with it as a dead letter, so the change it replaced wins instead (and
// the ratio of options.maxDeadLetterRatio decides again, counting it).
import type { CdcPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import { extractCdcUnit } from '../../sources/debezium/cdc-extract.js';
import { SKIPPED_BY_OPERATOR, UndecodableWinners, type CdcDeadLetter } from '../../sources/debezium/cdc-dead-letters.js';
import type { CdcUnit, StagedCdcBatch } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { movedLsnsFor } from './apply.js';

/** Reads of one batch at most: each finds more winners that do not decode (a key with several bad changes in a row). */
const MAX_READS = 4;

export async function extractCdc(deps: ActivityDeps, warehouse: WarehouseDialect, p: CdcPipelineConfig, unit: CdcUnit, progress?: (messages: number) => void, signal?: AbortSignal): Promise<StagedCdcBatch> {
  const exclude = new Map<string, CdcDeadLetter>();
  for (const s of await warehouse.cdcSkips({ pipeline: p.name, region: unit.region, cell: unit.cell, topic: unit.topic })) {
    const inRange = unit.ranges.some((r) => r.partition === s.partition && s.offset >= r.from && s.offset < r.to);
    if (inRange) exclude.set(`${s.partition}:${s.offset}`, { partition: s.partition, offset: BigInt(s.offset), code: SKIPPED_BY_OPERATOR, column: null, reason: 'passed over with tributary cdc skip' });
  }
  for (let read = 1; ; read++) {
    try {
      return await extractCdcUnit(deps, p, unit, movedLsnsFor(deps, warehouse, p, unit), progress, signal, exclude);
    } catch (err) {
      if (!(err instanceof UndecodableWinners)) throw err;
      if (read >= MAX_READS) throw badInput(`${err.message}; read ${read} times, each finding more`);
      for (const d of err.dead) {
        const at = `${d.partition}:${d.offset}`;
        if (!exclude.has(at)) exclude.set(at, d);
      }
    }
  }
}

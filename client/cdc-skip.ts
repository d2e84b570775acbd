// What `tributary cdc skip` runs: records one event of a cdc pipeline's topic (region, cell,
// partition, offset) in the warehouse's skip list. The pipeline's next batch that reaches it stages
// it as a dead letter (reason "skipped by operator") and applies the rest; its merge moves the
// offset past it. Checked against the config and the offsets ledger first: an offset already
// applied is refused, since no batch will read it again.
import { kafkaEndpoints, pipelineRegions } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import { noopMetrics } from '../activities/metrics/metrics.js';
import type { SecretProvider } from '../activities/secrets/provider.js';
import { createStage } from '../activities/stage/index.js';
import type { OffsetsKey } from '../activities/specs/merge-specs.js';
import { createWarehouse } from '../activities/warehouse/index.js';
import { knownPipeline } from './backfill.js';

export interface CdcSkipRequest {
  pipeline: string;
  region: string;
  /** The Kafka cluster's cell; may be left out when the region has one. */
  cell?: string;
  partition: number;
  offset: number;
}

export interface CdcSkipResult {
  pipeline: string;
  region: string;
  cell: string;
  topic: string;
  partition: number;
  offset: number;
  /** The ledger's next offset of the partition when the skip was recorded (null: nothing applied yet). */
  nextOffset: number | null;
}

/** The skip's ledger key, checked against the config; RangeError naming what is wrong. */
export function skipKey(config: TributaryConfig, req: CdcSkipRequest): OffsetsKey {
  const p = knownPipeline(config, req.pipeline);
  if (p.kind !== 'cdc') throw new RangeError(`pipeline ${p.name} is a ${p.kind} pipeline; cdc skip passes over one event of a cdc pipeline's topic`);
  const regions = pipelineRegions(config, p);
  if (!regions.includes(req.region)) throw new RangeError(`pipeline ${p.name} does not run in region "${req.region}" (its regions: ${regions.join(', ')})`);
  const cells = kafkaEndpoints(config, p.source, req.region).map((e) => e.cell);
  if (req.cell === undefined && cells.length !== 1) throw new RangeError(`pipeline ${p.name}, region ${req.region}: source ${p.source} has ${cells.length} clusters there; name one with --cell (${cells.join(', ')})`);
  const cell = req.cell ?? cells[0]!;
  if (!cells.includes(cell)) throw new RangeError(`pipeline ${p.name}, region ${req.region}: source ${p.source} has no cell "${cell}" there (its cells: ${cells.join(', ')})`);
  for (const [flag, v] of [['--partition', req.partition], ['--offset', req.offset]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${flag}: expected a whole number of at least 0, got ${v}`);
  }
  return { pipeline: p.name, region: req.region, cell, topic: p.topic };
}

export async function skipCdcEvent(config: TributaryConfig, secrets: SecretProvider, req: CdcSkipRequest): Promise<CdcSkipResult> {
  const key = skipKey(config, req);
  const warehouse = createWarehouse({ config, secrets, stage: createStage(config.stage, secrets), metrics: noopMetrics });
  const next = (await warehouse.readOffsets(key)).get(req.partition) ?? null;
  if (next !== null && req.offset < next) {
    throw new RangeError(`pipeline ${key.pipeline}, region ${key.region}, cell ${key.cell}: ${key.topic}[${req.partition}]@${req.offset} is applied already (the partition's next offset is ${next}); nothing to skip`);
  }
  await warehouse.addCdcSkip(key, req.partition, req.offset);
  return { ...key, partition: req.partition, offset: req.offset, nextOffset: next };
}

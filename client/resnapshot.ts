// Starting resnapshotPipeline from code: what `tributary cdc resnapshot` runs. The arguments are
// checked against the config first (a cdc pipeline of the region, its captured table and a
// signalSecret on the server), so a bad request never becomes a workflow.
import { WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { pipelineRegions, postgresEndpoints } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import type { ResnapshotInput, ResnapshotProgress } from '../activities/types.js';
import { pipelineAttributes } from '../names/search-attributes.js';
import { resnapshotWorkflowId, taskQueue } from '../names/temporal-ids.js';
import { resnapshotProgressQuery, type resnapshotPipeline, type ResnapshotOptions } from '../workflows/resnapshot.js';
import { knownPipeline } from './backfill.js';

export interface ResnapshotRequest {
  pipeline: string;
  region: string;
  /** Only these keys, each as its column values in key order. */
  keys?: string[][];
  options?: ResnapshotOptions;
}

/** A cdc pipeline whose region's captured server can take a signal; RangeError naming what is missing. */
export function resnapshotTarget(config: TributaryConfig, pipeline: string, region: string) {
  const p = knownPipeline(config, pipeline);
  if (p.kind !== 'cdc') throw new RangeError(`pipeline ${p.name} is a ${p.kind} pipeline; a resnapshot asks a cdc pipeline's connector to read its table again`);
  const regions = pipelineRegions(config, p);
  if (!regions.includes(region)) throw new RangeError(`pipeline ${p.name} does not run in region "${region}" (its regions: ${regions.join(', ')})`);
  const from = p.options.capturedFrom;
  if (!from) throw new RangeError(`pipeline ${p.name}: a resnapshot names the table its connector captures; set options.capturedFrom: { source, table }`);
  const servers = postgresEndpoints(config, from.source, region);
  if (servers.length !== 1) throw new RangeError(`pipeline ${p.name}, region ${region}: a resnapshot needs one server of source ${from.source} in the region (found ${servers.length})`);
  if (!servers[0]!.signalSecret) {
    throw new RangeError(`pipeline ${p.name}, region ${region}, source ${servers[0]!.id}, table ${from.table}: set signalSecret on the server (sources.${from.source}.servers[].signalSecret), the role that writes tributary.debezium_signal`);
  }
  return p;
}

/** `--keys 1,2,3` (composite keys: their values joined by ":"), checked against the key's width. */
export function parseKeys(config: TributaryConfig, pipeline: string, text: string): string[][] {
  const p = knownPipeline(config, pipeline);
  if (p.kind !== 'cdc') throw new RangeError(`pipeline ${p.name} is a ${p.kind} pipeline; --keys names keys of a cdc pipeline`);
  const keys = text.split(',').map((k) => k.trim()).filter((k) => k !== '').map((k) => k.split(':'));
  if (keys.length === 0) throw new RangeError(`--keys: expected key values separated by commas, got "${text}"`);
  const bad = keys.find((k) => k.length !== p.key.length);
  if (bad) throw new RangeError(`--keys: "${bad.join(':')}" has ${bad.length} values; the key of ${p.name} is ${p.key.join(', ')} (values joined by ":")`);
  return keys;
}

export async function startResnapshot(client: Client, config: TributaryConfig, req: ResnapshotRequest): Promise<WorkflowHandle<typeof resnapshotPipeline>> {
  resnapshotTarget(config, req.pipeline, req.region);
  const input: ResnapshotInput = { pipeline: req.pipeline, region: req.region, ...(req.keys ? { keys: req.keys } : {}) };
  return client.workflow.start<typeof resnapshotPipeline>('resnapshotPipeline', {
    taskQueue: taskQueue(config, req.region),
    workflowId: resnapshotWorkflowId(config, req.pipeline, req.region),
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [input, req.options ?? {}],
    typedSearchAttributes: pipelineAttributes(req.pipeline, req.region),
  });
}

/** The resnapshot's latest progress, or undefined while no worker answers. */
export async function resnapshotProgress(client: Client, handle: WorkflowHandle, timeoutMs = 5_000): Promise<ResnapshotProgress | null | undefined> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => handle.query(resnapshotProgressQuery));
  } catch {
    return undefined;
  }
}

/** One line of progress for a person. */
export function progressLine(p: ResnapshotProgress): string {
  const keys = p.lastKey ? `, last key ${p.lastKey}${p.maximumKey ? ` of ${p.maximumKey}` : ''}` : '';
  switch (p.state) {
    case 'signalled':
      return 'signalled; waiting for the connector to start the snapshot';
    case 'started':
      return 'started';
    case 'scanning':
      return `scanning: ${p.chunks} chunks read${keys}`;
    case 'merging':
      return `scanned (${p.rowsScanned ?? '?'} rows); ${p.behind} offsets of the topic still to apply`;
    case 'done':
      return `done: ${p.rowsScanned ?? '?'} rows re-read and applied${p.note ? ` (${p.note})` : ''}`;
    case 'aborted':
      return `aborted${p.note ? `: ${p.note}` : ''}`;
  }
}

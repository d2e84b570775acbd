// How a pull pipeline's staged batch merges into its target: upsert by key with the watermark
// as version (facts), or a row-hash snapshot with deletes (dimensions). Pure; the merge itself
// and the runs that replay a batch both build it here.
import { targetTable } from '../config/resolve.js';
import type { PipelineConfig, TributaryConfig } from '../config/schema.js';
import type { StagedBatch } from './types.js';
import type { NewColumnPolicy } from './warehouse/dialect.js';
import type { MergeSpec } from './warehouse/specs.js';
import { badInput } from './errors.js';

export function mergeSpec(config: TributaryConfig, p: PipelineConfig, batch: StagedBatch): MergeSpec {
  const [schema, table] = targetTable(config, p);
  const base = { schema, table, columns: batch.columns, stagedColumns: batch.stagedColumns };
  if (p.kind === 'fact') return { ...base, key: p.key, mode: { kind: 'upsert', version: p.watermark } };
  if (p.kind === 'dimension') {
    // An incremental window cannot tell a deleted row from an unchanged one.
    const partial = batch.unit.kind === 'dimension' && batch.unit.window !== null;
    return { ...base, key: p.key, mode: { kind: 'snapshot', deletes: p.options.deletes, partial } };
  }
  throw badInput(`pipeline ${p.name}: a ${p.kind} pipeline merges by offsets, not by a pull merge spec`);
}

export function newColumnPolicy(p: PipelineConfig): NewColumnPolicy {
  return 'options' in p && 'onNewColumn' in p.options ? p.options.onNewColumn : 'add';
}

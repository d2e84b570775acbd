// Every pipeline kind, one line each. The mapped type makes the type checker prove that each
// kind of the config schema has its module, and that each module is the kind it is filed under.
import type { PipelineConfig } from '../../config/schema.js';
import type { KindName, PipelineKind } from './kind.js';
import { cdc } from './cdc/index.js';
import { dimension } from './dimension/index.js';
import { fact } from './fact/index.js';
import { topic } from './topic/index.js';

const KINDS: { [K in KindName]: PipelineKind<K> } = {
  fact,
  dimension,
  topic,
  cdc,
};

/** The kind of a pipeline (the pipeline's own type narrows what its methods take). */
export function kindOf(p: PipelineConfig): PipelineKind<KindName> {
  // One index for every kind: TypeScript cannot relate KINDS[p.kind] to p's own kind by itself.
  return KINDS[p.kind] as unknown as PipelineKind<KindName>;
}

export const KIND_NAMES = Object.keys(KINDS) as KindName[];

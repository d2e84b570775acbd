// The custom search attributes Tributary sets on its workflows, by name and type: the typed keys
// runs and schedules are started with and workflows upsert, and what the namespace must register
// (client/search-attributes.ts does the registering). Workflow code imports these keys too.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Every run, backfill, verify and continuous CDC workflow: which pipeline and region. */
export const PIPELINE_KEY = defineSearchAttributeKey('Pipeline', SearchAttributeType.KEYWORD);
export const REGION_KEY = defineSearchAttributeKey('Region', SearchAttributeType.KEYWORD);
/** A backfill of one source server. */
export const SOURCE_KEY = defineSearchAttributeKey('Source', SearchAttributeType.KEYWORD);
/** A backfill's progress. */
export const CHUNKS_DONE_KEY = defineSearchAttributeKey('ChunksDone', SearchAttributeType.INT);
export const CHUNKS_TOTAL_KEY = defineSearchAttributeKey('ChunksTotal', SearchAttributeType.INT);

export const SEARCH_ATTRIBUTE_KEYS: readonly { name: string; type: SearchAttributeType }[] = [PIPELINE_KEY, REGION_KEY, SOURCE_KEY, CHUNKS_DONE_KEY, CHUNKS_TOTAL_KEY];

/** temporal.api.enums.v1.IndexedValueType of the types used here. */
const INDEXED_VALUE_TYPE: Partial<Record<SearchAttributeType, number>> = {
  [SearchAttributeType.KEYWORD]: 2,
  [SearchAttributeType.INT]: 3,
};

/** Name -> IndexedValueType, as the operator service's addSearchAttributes takes them. */
export const TRIBUTARY_SEARCH_ATTRIBUTES: Readonly<Record<string, number>> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((k) => {
    const t = INDEXED_VALUE_TYPE[k.type];
    if (t === undefined) throw new Error(`search attribute ${k.name}: no indexed value type for ${k.type}`);
    return [k.name, t];
  }),
);

/** The two attributes every workflow Tributary starts carries. */
export function pipelineAttributes(pipeline: string, region: string): [{ key: typeof PIPELINE_KEY; value: string }, { key: typeof REGION_KEY; value: string }] {
  return [
    { key: PIPELINE_KEY, value: pipeline },
    { key: REGION_KEY, value: region },
  ];
}

// The columns of a topic pipeline's staged CSV and target table, from its config alone. The
// metadata names are legal on Redshift too (no leading "__", nothing reserved).
import { targetTable } from '../../../config/resolve.js';
import type { TopicPipelineConfig, TributaryConfig } from '../../../config/schema.js';
import type { TopicMergeSpec } from '../../specs/merge-specs.js';
import type { ColumnSpec } from '../../specs/columns.js';
import { KAFKA_COLUMNS } from '../../specs/topic-columns.js';
import { topicType } from '../../../types/topic-type.js';

/** Mapped columns, then the raw message when kept: the values mapMessage returns, in order. */
export function mappedColumns(p: TopicPipelineConfig): ColumnSpec[] {
  // Rendered from the type map, as format_type prints it: the DDL, and what a changed type is compared with.
  const cols = p.columns.map((c) => ({ name: c.name, type: topicType(c.type).pg }));
  return p.options.keepRawAs ? [...cols, { name: p.options.keepRawAs, type: 'jsonb' }] : cols;
}

/** Columns of the staged rows file, in file order. */
export function stagedTopicColumns(p: TopicPipelineConfig): ColumnSpec[] {
  return [...mappedColumns(p), ...KAFKA_COLUMNS];
}

/** How a topic batch merges: into the pipeline's target, upserted by its key or appended. */
export function topicMergeSpec(config: TributaryConfig, p: TopicPipelineConfig): TopicMergeSpec {
  const [schema, table] = targetTable(config, p);
  return { schema, table, columns: mappedColumns(p), key: p.key ?? null, onTypeChange: p.options.onTypeChange };
}

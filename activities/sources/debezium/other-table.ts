// An event of the pipeline's topic whose source table (payload.source.schema and .table) is not
// the table the pipeline captures: a connector that routes several tables to one topic, or another
// producer. It is a dead letter, never applied to this target. The pipeline's table is
// options.capturedFrom.table ("orders" is public.orders); without capturedFrom nothing is checked.
import { sourceTable } from '../../../config/resolve.js';

export interface SourceTable {
  schema: string;
  table: string;
}

/** The table a pipeline's events must come from, or null when the config does not say. */
export function capturedTable(capturedFrom: { table: string } | undefined): SourceTable | null {
  if (!capturedFrom) return null;
  const [schema, table] = sourceTable(capturedFrom.table);
  return { schema, table };
}

/** Why an event of this source table is not the pipeline's, or null when it is (or nothing is known). */
export function otherTableReason(source: SourceTable | undefined, want: SourceTable | null): string | null {
  if (want === null || source === undefined) return null;
  if (source.schema === want.schema && source.table === want.table) return null;
  return `the event is for table ${source.schema}.${source.table}, not ${want.schema}.${want.table} (options.capturedFrom)`;
}

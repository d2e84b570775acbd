// A column as every part of the house names it: the sources describe theirs with it, the stage
// stages it, the warehouse dialects create and merge it.

export interface ColumnSpec {
  name: string;
  /** PostgreSQL type as format_type renders it, e.g. "numeric(12,2)", "timestamp with time zone". */
  type: string;
}

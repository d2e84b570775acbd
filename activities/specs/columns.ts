// A column as every part of the house names it: the sources describe theirs with it, the stage
// stages it, the warehouse dialects create and merge it.

export interface ColumnSpec {
  name: string;
  /** PostgreSQL type as format_type renders it, e.g. "numeric(12,2)", "timestamp with time zone". */
  type: string;
  /**
   * The source's own type (under its domains) when the warehouse keeps another: an enum, a
   * composite or an extension's type kept as text (types/render.ts). Redshift reads its row.
   */
  sourceType?: string;
}

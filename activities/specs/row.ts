// One row's values as text (null for SQL NULL): how decoded changes reach the warehouse dialects.

export type Row = Record<string, string | null>;

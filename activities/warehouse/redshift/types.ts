// PostgreSQL source types -> Redshift column types. VARCHAR lengths are bytes in Redshift
// (characters in PostgreSQL; up to 4 bytes each), at most 65535; jsonb, json and arrays become
// SUPER; what Redshift lacks (uuid, interval, inet, enums, ...) is kept as text.

export const MAX_VARCHAR_BYTES = 65535;

export interface RedshiftType {
  /** DDL type, e.g. "VARCHAR(800)", "DECIMAL(12,2)", "SUPER". */
  sql: string;
  /** For VARCHAR: its length in bytes; null for other types. */
  varcharBytes: number | null;
  /** SUPER columns are compared through JSON_SERIALIZE. */
  isSuper: boolean;
}

const plain = (sql: string): RedshiftType => ({ sql, varcharBytes: null, isSuper: false });
export const varchar = (bytes: number): RedshiftType => {
  const n = Math.min(Math.max(1, bytes), MAX_VARCHAR_BYTES);
  return { sql: `VARCHAR(${n})`, varcharBytes: n, isSuper: false };
};
const SUPER: RedshiftType = { sql: 'SUPER', varcharBytes: null, isSuper: true };

const FIXED: Record<string, RedshiftType> = {
  smallint: plain('SMALLINT'),
  integer: plain('INTEGER'),
  bigint: plain('BIGINT'),
  real: plain('REAL'),
  'double precision': plain('DOUBLE PRECISION'),
  boolean: plain('BOOLEAN'),
  date: plain('DATE'),
  'timestamp without time zone': plain('TIMESTAMP'),
  'timestamp with time zone': plain('TIMESTAMPTZ'),
  'time without time zone': plain('TIME'),
  'time with time zone': plain('TIMETZ'),
  json: SUPER,
  jsonb: SUPER,
  uuid: varchar(36),
  text: varchar(MAX_VARCHAR_BYTES),
};

/** `pgType` as format_type renders it: "numeric(12,2)", "character varying(40)", "integer[]", ... */
export function redshiftType(pgType: string): RedshiftType {
  const t = pgType.trim().toLowerCase();
  if (t.endsWith('[]')) return SUPER;
  const fixed = FIXED[t];
  if (fixed) return fixed;
  // Precision and fractional seconds: Redshift keeps microseconds, like PostgreSQL.
  const ts = /^(timestamp|time)\(\d\) (with|without) time zone$/.exec(t);
  if (ts) return FIXED[`${ts[1]} ${ts[2]} time zone`]!;
  const num = /^numeric\((\d+),(\d+)\)$/.exec(t);
  if (num) {
    const [p, s] = [Number(num[1]), Number(num[2])];
    // Redshift DECIMAL stops at precision 38; wider values stay exact as text.
    return p <= 38 ? plain(`DECIMAL(${p},${s})`) : varchar(p + 2);
  }
  // Unconstrained numeric has no fixed scale: text keeps every digit.
  if (t === 'numeric') return varchar(1000);
  const chars = /^(character varying|character|varchar|char|bpchar)\((\d+)\)$/.exec(t);
  if (chars) return varchar(4 * Number(chars[2]));
  if (t === 'character varying' || t === 'character' || t === 'bpchar') return varchar(MAX_VARCHAR_BYTES);
  return varchar(MAX_VARCHAR_BYTES);
}

/** "VARCHAR(200)" / "character varying" + 200 -> 200; null for non-VARCHAR. */
export function declaredVarcharBytes(dataType: string, maxLength: number | null): number | null {
  const t = dataType.toLowerCase();
  if (t !== 'character varying' && t !== 'varchar') return null;
  return maxLength ?? MAX_VARCHAR_BYTES;
}

// Each type's canonical text form for verify's checksums, keyed by a PostgreSQL type family: one
// SQL expression for the PostgreSQL source and one for the Redshift column the type lands in, that
// give the same text for the same value. The checksum then hashes that text with MD5 (UTF-8 bytes
// on both engines). Pure; meant to be fed later from the per-warehouse type map.
//
// Why each pair agrees:
// - integers: decimal digits and a sign on both (no formatting options);
// - numeric: both print plain decimal notation; trailing fractional zeros (and a bare '.') are
//   cut on both so a scale difference between source and DECIMAL(p,s) does not count;
// - boolean: a CASE to 't'/'f' on both, never the engine's own boolean text;
// - date, timestamp: TO_CHAR with one pattern both engines read alike (US = microseconds);
//   timestamptz first taken AT TIME ZONE 'UTC', so no session time zone matters;
// - char(n): the stage holds the padded value; trailing blanks cut on both;
// - every type Redshift keeps as VARCHAR (uuid, interval, inet, enums, ...): the stage wrote
//   PostgreSQL's own text, so the source's ::text is compared with the column as stored.
// Not yet: real and double precision (the engines' float text is not shown to agree), time and
// timetz (Redshift's TIME text), and SUPER (json, jsonb, arrays: JSON_SERIALIZE is not jsonb's text).
import type { ColumnSpec } from '../../specs/columns.js';
import { badInput } from '../../errors.js';
import { redshiftType } from './types.js';

export type TypeFamily = 'integer' | 'numeric' | 'boolean' | 'date' | 'timestamp' | 'timestamptz' | 'char' | 'text';

export interface CanonicalText {
  postgres(column: string): string;
  redshift(column: string): string;
}

const numericTrim = (t: string) => `CASE WHEN POSITION('.' IN ${t}) > 0 THEN RTRIM(RTRIM(${t}, '0'), '.') ELSE ${t} END`;
const same = (f: (c: string) => string): CanonicalText => ({ postgres: f, redshift: f });

export const CANONICAL: Record<TypeFamily, CanonicalText> = {
  integer: { postgres: (c) => `${c}::text`, redshift: (c) => `CAST(${c} AS VARCHAR(24))` },
  numeric: { postgres: (c) => numericTrim(`${c}::text`), redshift: (c) => numericTrim(`CAST(${c} AS VARCHAR(1100))`) },
  boolean: same((c) => `CASE WHEN ${c} THEN 't' ELSE 'f' END`),
  date: same((c) => `TO_CHAR(${c}, 'YYYY-MM-DD')`),
  timestamp: same((c) => `TO_CHAR(${c}, 'YYYY-MM-DD HH24:MI:SS.US')`),
  timestamptz: same((c) => `TO_CHAR(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`),
  char: { postgres: (c) => `RTRIM(${c}::text, ' ')`, redshift: (c) => `RTRIM(${c}, ' ')` },
  text: { postgres: (c) => `${c}::text`, redshift: (c) => c },
};

/** The family of a PostgreSQL type (format_type's text), or why verify cannot compare it on Redshift yet. */
export function typeFamily(pgType: string): { family: TypeFamily } | { unsupported: string } {
  const t = pgType.trim().toLowerCase();
  if (t === 'smallint' || t === 'integer' || t === 'bigint') return { family: 'integer' };
  if (t === 'numeric' || t.startsWith('numeric(')) return { family: 'numeric' };
  if (t === 'boolean') return { family: 'boolean' };
  if (t === 'date') return { family: 'date' };
  if (/^timestamp(\(\d\))? without time zone$/.test(t)) return { family: 'timestamp' };
  if (/^timestamp(\(\d\))? with time zone$/.test(t)) return { family: 'timestamptz' };
  if (/^(character|char|bpchar)(\(\d+\))?$/.test(t)) return { family: 'char' };
  if (t === 'real' || t === 'double precision') return { unsupported: `${t}: Redshift's text of a float is not shown to equal PostgreSQL's` };
  if (/^time(\(\d\))? with(out)? time zone$/.test(t)) return { unsupported: `${t}: Redshift's TIME text is not shown to equal PostgreSQL's` };
  const rs = redshiftType(t);
  if (rs.isSuper) return { unsupported: `${t} is SUPER in Redshift, whose JSON text is not PostgreSQL's` };
  if (rs.varcharBytes !== null) return { family: 'text' };
  return { unsupported: `${t} has no canonical text on Redshift yet` };
}

export type Engine = keyof CanonicalText;

/** Why some columns have no canonical text on Redshift (null: all have one). */
export function canonicalProblems(columns: ColumnSpec[]): string | null {
  const problems = columns.flatMap((c) => {
    const f = typeFamily(c.type);
    return 'unsupported' in f ? [`column "${c.name}" ${f.unsupported}`] : [];
  });
  return problems.length ? `verify on Redshift cannot compare ${problems.join('; ')}` : null;
}

/**
 * A row's text from its columns' canonical texts: per column 'N' for NULL, else 'V' and the MD5
 * of its text, so columns cannot run into each other (fixed widths) on either engine. The NULL
 * test is on the column itself (a CASE would turn a NULL boolean into 'f').
 */
export function rowTextExpr(columns: ColumnSpec[], engine: Engine, quote: (name: string) => string): string {
  const problem = canonicalProblems(columns);
  if (problem) throw badInput(problem);
  if (columns.length === 0) return `''`;
  return columns
    .map((c) => {
      const f = typeFamily(c.type) as { family: TypeFamily };
      const q = quote(c.name);
      return `(CASE WHEN ${q} IS NULL THEN 'N' ELSE 'V' || MD5(${CANONICAL[f.family][engine](q)}) END)`;
    })
    .join(' || ');
}

/** The bucket of a key's text, 0..buckets-1: the first 31 bits of its MD5 (as the record form's bucket). */
export function bucketOfText(keyText: string, buckets: number, engine: Engine): string {
  const head = `SUBSTRING(MD5(${keyText}), 1, 8)`;
  return engine === 'postgres' ? `((('x' || ${head})::bit(32)::int & 2147483647) % ${buckets})` : `((STRTOL(${head}, 16) & 2147483647) % ${buckets})`;
}

/** 60 bits of a row's MD5 as a positive bigint: their sum is an order-free checksum of a bucket. */
export function rowNumberOf(hash: string, engine: Engine): string {
  const head = `SUBSTRING(${hash}, 1, 15)`;
  return engine === 'postgres' ? `('x' || ${head})::bit(60)::bigint` : `STRTOL(${head}, 16)`;
}

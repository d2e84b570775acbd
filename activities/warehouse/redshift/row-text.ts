// Verify's row and key texts for a Redshift target, and the same on the PostgreSQL source: per
// column its canonical text as the type map renders it in each dialect (types/render.ts), hashed
// with MD5 (UTF-8 bytes on both engines), and the bucket and row number taken from those hashes.
import type { ColumnSpec } from '../../specs/columns.js';
import { badInput } from '../../errors.js';
import { canonicalText, redshiftCanonicalRefusal } from '../../../types/render.js';

export type Engine = 'postgres' | 'redshift';

/** Why some columns have no canonical text on Redshift (null: all have one). */
export function canonicalProblems(columns: ColumnSpec[]): string | null {
  const problems = columns.flatMap((c) => {
    const why = redshiftCanonicalRefusal(c);
    return why ? [`column "${c.name}" (${c.sourceType ?? c.type}): ${why}`] : [];
  });
  return problems.length ? `verify on Redshift cannot compare ${problems.join('; ')}` : null;
}

/**
 * A row's text from its columns' canonical texts: per column 'N' for NULL, else 'V' and the MD5
 * of its text ('-' where the text is NULL: an infinity), so columns cannot run into each other on
 * either engine. The NULL test is on the column itself, before any CASE of the canonical text; at
 * the source a type the warehouse keeps as text is tested as text, as the stage wrote it: a
 * composite whose fields are all NULL "IS NULL" in SQL, but is written as "(,)".
 */
export function rowTextExpr(columns: ColumnSpec[], engine: Engine, quote: (name: string) => string): string {
  const problem = canonicalProblems(columns);
  if (problem) throw badInput(problem);
  if (columns.length === 0) return `''`;
  return columns
    .map((c) => {
      const q = quote(c.name);
      const isNull = engine === 'postgres' && c.sourceType && c.type === 'text' ? `(${q})::text IS NULL` : `${q} IS NULL`;
      return `(CASE WHEN ${isNull} THEN 'N' ELSE 'V' || COALESCE(MD5(${canonicalText(c, engine, q)}), '-') END)`;
    })
    .join(' || ');
}

/** What a key column without text is in a key text: NULL, or an infinity TO_CHAR does not print. */
export const NO_KEY_TEXT = '~-';

/**
 * A key's text from its key columns' canonical texts, unhashed, so that the source can name the
 * same keys (a resnapshot's filter) and the warehouse delete them: one column's text as it is;
 * several joined by ',', each with '~' and ',' escaped by '~' so distinct keys give distinct
 * texts. No backslash is written: Redshift's literals may read one as an escape.
 */
export function keyTextOf(columns: ColumnSpec[], engine: Engine, quote: (name: string) => string): string {
  const problem = canonicalProblems(columns);
  if (problem) throw badInput(problem);
  const escaped = (t: string) => (columns.length === 1 ? t : `REPLACE(REPLACE(${t}, '~', '~~'), ',', '~,')`);
  return columns.map((c) => `COALESCE(${escaped(canonicalText(c, engine, quote(c.name)))}, '${NO_KEY_TEXT}')`).join(` || ',' || `);
}

/** The key text keyTextOf gives a key whose columns' canonical texts are these values (none NULL: a key's are not). */
export function keyTextOfValues(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : values.map((v) => v.replace(/~/g, '~~').replace(/,/g, '~,')).join(',');
}

/** A SQL literal of any text that reads alike on both engines: each backslash as CHR(92), outside the quotes. */
export function textLiteral(s: string): string {
  const parts = s.split('\\').map((x) => `'${x.replace(/'/g, "''")}'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' || CHR(92) || ')})`;
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

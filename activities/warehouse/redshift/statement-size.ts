// The Data API refuses a statement over 100 KB ("Cannot process query string larger than
// 100kB"), whatever the cluster allows. Statements are built to stay under a budget below that
// whatever the number of columns: stage columns get short positional names, inserts are
// positional, and per-column predicates are cut into groups that each fit one statement. A
// statement that still does not fit is bad input (the same table fails the same way): not retried.
import { badInput } from '../../errors.js';

export const MAX_STATEMENT_BYTES = 100 * 1024;
/** Room left for the fixed text around a group of per-column predicates. */
export const GROUP_BUDGET_BYTES = 60 * 1024;
/** BatchExecuteStatement takes at most 40 statements. */
export const MAX_BATCH_STATEMENTS = 40;

export function byteLength(sql: string): number {
  return Buffer.byteLength(sql, 'utf8');
}

export function assertStatementSize(sql: string, what: string): string {
  const n = byteLength(sql);
  if (n > MAX_STATEMENT_BYTES) throw badInput(`${what} is ${n} bytes; the Redshift Data API takes at most ${MAX_STATEMENT_BYTES}`);
  return sql;
}

/** Splits terms into groups whose joined text (with `sep`) stays under `budget` bytes each. */
export function groupBySize(terms: string[], sep: string, budget = GROUP_BUDGET_BYTES): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const t of terms) {
    const n = byteLength(t) + byteLength(sep);
    if (n > budget) throw badInput(`one predicate is ${n} bytes, more than a statement can hold`);
    if (size + n > budget && current.length > 0) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(t);
    size += n;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

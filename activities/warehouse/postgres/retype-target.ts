// Widens the target's columns a batch's types need, inside the merge's transaction, so the rows
// land in columns that hold them; or fails the merge naming the column and both types. Every
// kind's merge on the PostgreSQL warehouse calls it after reading the target's columns.
import type pg from 'pg';
import { retypes } from '../../merge-rules/type-change.js';
import type { ColumnSpec } from '../../specs/columns.js';
import type { TypeChangePolicy } from '../../specs/merge-specs.js';
import { widenColumnsSql } from './merge-sql.js';

export interface RetypeAsk {
  target: { schema: string; table: string };
  /** The target's column types by name, as format_type prints them. */
  targetTypes: ReadonlyMap<string, string>;
  columns: readonly ColumnSpec[];
  policy: TypeChangePolicy | undefined;
  /** Pipeline, region, source and table, for the message. */
  where: string;
  /** What the batch's type is: "at the source", "in the config". */
  batchSide: string;
}

/** Returns whether it changed the target. */
export async function retypeTarget(client: pg.Client, ask: RetypeAsk): Promise<boolean> {
  const wider = retypes(ask.columns, ask.targetTypes, ask.policy ?? 'widen', ask.where, ask.batchSide);
  for (const stmt of widenColumnsSql(ask.target, wider)) await client.query(stmt);
  return wider.length > 0;
}

// Whether a pull unit's read is small enough for its plan's activity to extract and merge it
// (activities/inline-units.ts). Only a shortcut: a probe that fails says "not small", and the
// unit then runs as its own activities, where any error is met with their retries.
import type pg from 'pg';
import { smallReadSql } from '../../sources/postgres/small-read.js';

/** `limit`: the pipeline's smallReadRows (0: never small); `where` narrows the read (a watermark range or window), built from quoted parts. */
export async function isSmallRead(client: pg.Client, schema: string, table: string, limit: number, where?: string): Promise<boolean> {
  if (limit <= 0) return false;
  try {
    return (await client.query<{ small: boolean }>(smallReadSql(schema, table, limit, where))).rows[0]?.small === true;
  } catch {
    return false;
  }
}

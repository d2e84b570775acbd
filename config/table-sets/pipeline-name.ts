// The name of a table set's pipeline: "<set>-<schema>-<table>", what a pipeline name may hold
// (lower case, digits, _ and -). A name that had to change (upper case, other characters) or be
// cut to 63 characters ends in 6 hex digits of the exact "schema.table", so two tables never
// share one and the same table always gets the same.
import { createHash } from 'node:crypto';

const MAX = 63;

export function tableSetPipelineName(set: string, schema: string, table: string): string {
  const raw = `${set}-${schema}-${table}`;
  const clean = raw.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  if (clean === raw && clean.length <= MAX) return clean;
  const hash = createHash('sha256').update(`${schema}.${table}`).digest('hex').slice(0, 6);
  return `${clean.slice(0, MAX - 7)}-${hash}`;
}

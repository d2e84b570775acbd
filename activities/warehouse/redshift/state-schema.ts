// The state schema's DDL, shared by the batch ledger, the offsets ledger and the CDC heal tables:
// the schema first, then the tables, each named in that schema.
import { ident, qualified } from './identifiers.js';

/** The columns naming one cell cluster's topic, first in the ledger tables keyed by it. */
export const TOPIC_KEY_DEFS = 'pipeline VARCHAR(256) NOT NULL, region VARCHAR(256) NOT NULL, cell VARCHAR(256) NOT NULL, topic VARCHAR(1024) NOT NULL';

/** CREATE SCHEMA, then the tables `tables` writes with `q` (a table's name in the schema). */
export function stateSchemaSqls(schema: string, tables: (q: (table: string) => string) => string[]): string[] {
  const q = (t: string) => qualified(schema, t);
  return [`CREATE SCHEMA IF NOT EXISTS ${ident(schema, 'schema')}`, ...tables(q)];
}

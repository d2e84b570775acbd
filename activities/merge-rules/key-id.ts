// A change's key as one string: how a batch collapses its changes by key, and how the warehouse
// dialects name a moved key's old identity. Pure.
import type { Row } from '../specs/row.js';

/** Identity of a key within a batch (column order does not matter). */
export function keyId(topic: string, key: Row): string {
  // Most keys have one column: the same text without sorting.
  const columns = Object.keys(key);
  if (columns.length === 1) return JSON.stringify([topic, [[columns[0], key[columns[0]!]]]]);
  return JSON.stringify([topic, Object.entries(key).sort(byColumn)]);
}

/** The old key of a primary-key change, as the ledger of moved keys records it. */
export const oldKeyId = (key: Row) => keyId('', key);

const byColumn = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

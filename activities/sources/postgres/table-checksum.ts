// Row count and an order-independent-of-storage checksum of a table's columns, for comparing a
// source with the warehouse (tests, the demo and reconciliation).
import pg from 'pg';

const { escapeIdentifier: ident } = pg;

export interface TableChecksum {
  rows: number;
  distinctKeys: number;
  /** md5 over the per-row md5s in key order; equal only if every row is equal. */
  checksum: string;
}

export async function tableChecksum(
  client: pg.Client,
  table: [string, string],
  key: string[],
  columns: string[],
  region?: string,
): Promise<TableChecksum> {
  const cols = columns.map(ident).join(', ');
  const keys = key.map(ident).join(', ');
  const where = region === undefined ? '' : 'WHERE _region = $1';
  const res = await client.query<{ rows: string; keys: string; checksum: string | null }>(
    `SELECT count(*) AS rows, count(DISTINCT (${keys})) AS keys,
            md5(string_agg(md5(ROW(${cols})::text), '' ORDER BY ${keys})) AS checksum
       FROM ${ident(table[0])}.${ident(table[1])} ${where}`,
    region === undefined ? [] : [region],
  );
  const r = res.rows[0]!;
  return { rows: Number(r.rows), distinctKeys: Number(r.keys), checksum: r.checksum ?? '' };
}

// The check every case ends with, per pipeline: source == warehouse by row count and per-row
// checksum (activities/sources/postgres/table-checksum.ts), and no key twice in the warehouse. When the
// checksums differ, the rows are compared key by key to say how many were lost, are extra or
// differ. The topic's "source" is what Kafka holds, read back message by message.
import pg from 'pg';
import { tableChecksum, type TableChecksum } from '../activities/sources/postgres/table-checksum.js';
import { readTopic } from '../test/fixtures/debezium/connect.js';
import { STACK, connect, withClient } from '../test/integration/stack.js';
import { endOffsets } from '../test/integration/topic-fixture.js';
import { CDC_COLUMNS, DIMENSION_COLUMNS, FACT_COLUMNS, TOPIC_CELLS, TOPIC_COLUMNS, type Kind, type Lab } from './lab.js';

const { escapeIdentifier: ident } = pg;

export interface Comparison {
  kind: Kind;
  sourceRows: number;
  warehouseRows: number;
  checksumEqual: boolean;
  /** In the source, not in the warehouse. */
  lost: number;
  /** Warehouse rows beyond one per key. */
  duplicated: number;
  /** In the warehouse, not in the source (deleted at the source, yet kept). */
  extra: number;
  /** Same key, different values. */
  changed: number;
}

export const equal = (c: Comparison) => c.checksumEqual && c.lost === 0 && c.duplicated === 0 && c.extra === 0 && c.changed === 0;

interface Side {
  client: pg.Client;
  table: [string, string];
  region?: string;
}

/** key text -> md5 of the row, the same row form tableChecksum sums up. */
async function rowHashes(side: Side, key: string[], columns: string[]): Promise<Map<string, string>> {
  const where = side.region === undefined ? '' : 'WHERE _region = $1';
  const res = await side.client.query<{ k: string; h: string }>(
    `SELECT ROW(${key.map(ident).join(', ')})::text AS k, md5(ROW(${columns.map(ident).join(', ')})::text) AS h FROM ${ident(side.table[0])}.${ident(side.table[1])} ${where}`,
    side.region === undefined ? [] : [side.region],
  );
  return new Map(res.rows.map((r) => [r.k, r.h]));
}

async function compareSides(kind: Kind, source: Side, warehouse: Side, key: string[], columns: string[]): Promise<Comparison> {
  const checksum = (s: Side): Promise<TableChecksum | null> => tableChecksum(s.client, s.table, key, columns, s.region).catch(() => null);
  const src = (await checksum(source))!;
  const dst = (await checksum(warehouse)) ?? { rows: 0, distinctKeys: 0, checksum: '' };
  const out: Comparison = {
    kind,
    sourceRows: src.rows,
    warehouseRows: dst.rows,
    checksumEqual: src.rows === dst.rows && src.checksum === dst.checksum,
    lost: 0,
    duplicated: dst.rows - dst.distinctKeys,
    extra: 0,
    changed: 0,
  };
  if (out.checksumEqual) return out;
  const a = await rowHashes(source, key, columns);
  const b = dst.rows === 0 ? new Map<string, string>() : await rowHashes(warehouse, key, columns);
  for (const [k, h] of a) {
    const w = b.get(k);
    if (w === undefined) out.lost++;
    else if (w !== h) out.changed++;
  }
  for (const k of b.keys()) if (!a.has(k)) out.extra++;
  return out;
}

/** A pull pipeline or the CDC one: the source table in source us against its warehouse target. */
export async function comparePull(lab: Lab, kind: 'fact' | 'dimension' | 'cdc'): Promise<Comparison> {
  const columns = { fact: FACT_COLUMNS, dimension: DIMENSION_COLUMNS, cdc: CDC_COLUMNS }[kind];
  const src = await connect(STACK.source.us!);
  const wh = await connect(STACK.warehouse);
  try {
    // Pull targets hold every region's rows (key + _source); the CDC target is this one table's.
    const region = kind === 'cdc' ? undefined : 'us';
    return await compareSides(kind, { client: src, table: ['public', lab.table[kind]] }, { client: wh, table: lab.target(kind), region }, ['id'], columns);
  } finally {
    await src.end();
    await wh.end();
  }
}

/** Every message in the topic on both us clusters, read back, against the warehouse rows. */
export async function compareTopic(lab: Lab): Promise<Comparison> {
  return withClient(STACK.warehouse, async (wh) => {
    await wh.query(`CREATE TEMP TABLE expected (_cell text, kafka_partition integer, kafka_offset bigint, id bigint, name text, qty integer, at timestamptz)`);
    for (const cell of TOPIC_CELLS) {
      const total = [...(await endOffsets(cell, lab.topic)).values()].reduce((a, b) => a + b, 0);
      const records = total === 0 ? [] : await readTopic(STACK.kafka[cell]!, lab.topic, (rs) => rs.length >= total, 300_000);
      const cellName = cell.split('/')[1]!;
      for (let i = 0; i < records.length; i += 10_000) {
        const part = records.slice(i, i + 10_000).map((r) => ({ ...r, m: JSON.parse(r.value!) as { id: number; name: string; qty: number; at: string } }));
        await wh.query(
          `INSERT INTO expected SELECT $1, p, o, i, n, q, a FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::text[], $6::int[], $7::timestamptz[]) AS u(p, o, i, n, q, a)`,
          [cellName, part.map((r) => r.partition), part.map((r) => r.offset), part.map((r) => r.m.id), part.map((r) => r.m.name), part.map((r) => r.m.qty), part.map((r) => r.m.at)],
        );
      }
    }
    const key = ['_cell', 'kafka_partition', 'kafka_offset'];
    return compareSides('topic', { client: wh, table: ['pg_temp', 'expected'] }, { client: wh, table: lab.target('topic'), region: 'us' }, key, [...key, ...TOPIC_COLUMNS]);
  });
}

export async function compareAll(lab: Lab): Promise<Comparison[]> {
  return [await comparePull(lab, 'fact'), await comparePull(lab, 'dimension'), await compareTopic(lab), await comparePull(lab, 'cdc')];
}

/**
 * The check itself checked, after the real comparison: one fact row deleted from the warehouse and
 * one dimension row changed there must show up as 1 lost and 1 changed. Returns a problem, if any.
 */
export async function controlCheck(lab: Lab): Promise<string | undefined> {
  const q = (t: [string, string]) => `${ident(t[0])}.${ident(t[1])}`;
  await withClient(STACK.warehouse, async (c) => {
    await c.query(`DELETE FROM ${q(lab.target('fact'))} WHERE id = (SELECT min(id) FROM ${q(lab.target('fact'))})`);
    await c.query(`UPDATE ${q(lab.target('dimension'))} SET name = name || ' (tampered)' WHERE id = (SELECT min(id) FROM ${q(lab.target('dimension'))})`);
  });
  const fact = await comparePull(lab, 'fact');
  const dim = await comparePull(lab, 'dimension');
  if (fact.lost === 1 && !fact.checksumEqual && dim.changed === 1 && !dim.checksumEqual) return undefined;
  return `control check: a deleted fact row and a changed dimension row were not both detected (fact lost ${fact.lost}, dimension changed ${dim.changed})`;
}

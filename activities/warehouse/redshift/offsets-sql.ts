// Pure SQL for the Kafka offsets ledger on Redshift, shared by topic and CDC merges. The merge
// decides in TypeScript, from the ledger read before the batch, which offsets it applies; inside
// the batch's transaction (after the target's LOCK) a guard statement fails the whole batch when
// the ledger no longer stands where that decision assumed, or the batch is in the ledger already,
// so a retried or overlapping batch never loads twice. One row per partition goes into a temp
// table first, so the statements stay few whatever the number of partitions (BatchExecuteStatement
// takes 40). No ON CONFLICT on Redshift: update where behind, insert where absent.
import { qualified } from './identifiers.js';
import { LEDGER_COUNT_COLUMNS, type Params } from './merge-sql.js';
import { stateSchemaSqls, TOPIC_KEY_DEFS } from './state-schema.js';

export const OFFSETS_TABLE = 'tributary_offsets';
export const DEAD_LETTERS_TABLE = 'tributary_dead_letters';
export const RANGES_TABLE = 'tributary_ranges';

/** Typed text parameters in select lists (compared with VARCHAR columns elsewhere). */
export const V = 'VARCHAR(4096)';

export function offsetsStateTablesSql(schema: string): string[] {
  return stateSchemaSqls(schema, (q) => [
    `CREATE TABLE IF NOT EXISTS ${q(OFFSETS_TABLE)} (
       ${TOPIC_KEY_DEFS},
       kafka_partition INTEGER NOT NULL, source VARCHAR(256) NOT NULL, next_offset BIGINT NOT NULL,
       batch_id VARCHAR(512) NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (pipeline, region, cell, topic, kafka_partition))`,
    // Raw key and value as the stage writes them (bytea hex text), cut at 65535 bytes by COPY.
    `CREATE TABLE IF NOT EXISTS ${q(DEAD_LETTERS_TABLE)} (
       pipeline VARCHAR(256) NOT NULL, region VARCHAR(256) NOT NULL, source VARCHAR(256) NOT NULL, cell VARCHAR(256) NOT NULL,
       topic VARCHAR(1024) NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL, kafka_timestamp TIMESTAMPTZ,
       message_key VARCHAR(65535), message_value VARCHAR(65535), reason VARCHAR(256) NOT NULL, field VARCHAR(1024),
       detail VARCHAR(65535) NOT NULL, batch_id VARCHAR(512) NOT NULL, dead_lettered_at TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (pipeline, source, topic, kafka_partition, kafka_offset))`,
  ]);
}

/** :pipeline, :region, :cell, :topic. */
export function readOffsetsSql(schema: string, partitions?: number): string {
  const only = partitions === undefined ? '' : ` AND kafka_partition IN (${Array.from({ length: partitions }, (_, i) => `CAST(:partition_${i} AS INTEGER)`).join(', ')})`;
  return `SELECT kafka_partition, next_offset FROM ${qualified(schema, OFFSETS_TABLE)} WHERE pipeline = :pipeline AND region = :region AND cell = :cell AND topic = :topic${only}`;
}

/** One partition of a batch: where the ledger must stand, where it goes, and offsets lost to retention. */
export interface LedgerMove {
  partition: number;
  /** The ledger's next offset the decision was made on (null: no row). */
  expected: number | null;
  next: number;
  /** First offset deleted by retention before it was loaded, and the message recorded for it. */
  gap: { from: number; detail: string } | null;
}

/** Parameter values the ledger statements reference (besides pipeline, region, cell, topic, source, batch_id, loaded_at). */
export function ledgerValues(moves: LedgerMove[]): Record<string, string | number | null> {
  return Object.fromEntries(
    moves.flatMap((m, i): [string, string | number | null][] => [
      [`r${i}_partition`, m.partition],
      [`r${i}_expected`, m.expected],
      [`r${i}_next`, m.next],
      [`r${i}_gap_from`, m.gap?.from ?? null],
      [`r${i}_gap_detail`, m.gap?.detail ?? null],
    ]),
  );
}

export function rangesSql(p: Params, moves: LedgerMove[]): string[] {
  if (moves.length === 0) throw new Error('a batch moves the ledger of at least one partition');
  const rows = moves.map(
    (_, i) =>
      `(${p.ref(`r${i}_partition`, 'INTEGER')}, ${p.ref(`r${i}_expected`, 'BIGINT')}, ${p.ref(`r${i}_next`, 'BIGINT')}, ${p.ref(`r${i}_gap_from`, 'BIGINT')}, ${p.ref(`r${i}_gap_detail`, 'VARCHAR(1024)')})`,
  );
  return [
    `CREATE TEMP TABLE ${RANGES_TABLE} (kafka_partition INTEGER, expected BIGINT, next_offset BIGINT, gap_from BIGINT, gap_detail VARCHAR(1024))`,
    `INSERT INTO ${RANGES_TABLE} VALUES ${rows.join(', ')}`,
  ];
}

const ledgerKey = (p: Params, alias: string) =>
  `${alias}.pipeline = ${p.ref('pipeline')} AND ${alias}.region = ${p.ref('region')} AND ${alias}.cell = ${p.ref('cell')} AND ${alias}.topic = ${p.ref('topic')}`;

/**
 * Fails the transaction (a text that is no integer) when the batch is in the ledger already or a
 * partition's ledger row is not where the decision expected it. Runs after the target's LOCK.
 */
export function ledgerGuardSql(p: Params, stateSchema: string): string {
  const offsets = qualified(stateSchema, OFFSETS_TABLE);
  const batches = qualified(stateSchema, 'tributary_batches');
  return `SELECT CAST(CASE WHEN (SELECT COUNT(*) FROM ${batches} WHERE batch_id = ${p.ref('batch_id')}) > 0 THEN 'tributary: batch already committed'
      WHEN COUNT(*) > 0 THEN 'tributary: the offsets ledger moved since the batch was planned (partition ' || CAST(MIN(r.kafka_partition) AS VARCHAR(20)) || ')' END AS INT)
    FROM ${RANGES_TABLE} r LEFT JOIN ${offsets} o ON ${ledgerKey(p, 'o')} AND o.kafka_partition = r.kafka_partition
    WHERE NOT (o.next_offset = r.expected OR (o.next_offset IS NULL AND r.expected IS NULL))`;
}

/** Forward only: update the partitions that have a row, insert the others. */
export function moveLedgerSqls(p: Params, stateSchema: string): string[] {
  const offsets = qualified(stateSchema, OFFSETS_TABLE);
  const col = (c: string) => `${offsets}.${c}`;
  return [
    `UPDATE ${offsets} SET next_offset = r.next_offset, source = ${p.ref('source')}, batch_id = ${p.ref('batch_id')}, updated_at = ${p.ref('loaded_at', 'TIMESTAMPTZ')}
       FROM ${RANGES_TABLE} r WHERE ${col('pipeline')} = ${p.ref('pipeline')} AND ${col('region')} = ${p.ref('region')} AND ${col('cell')} = ${p.ref('cell')}
         AND ${col('topic')} = ${p.ref('topic')} AND ${col('kafka_partition')} = r.kafka_partition AND ${col('next_offset')} < r.next_offset`,
    `INSERT INTO ${offsets} (pipeline, region, cell, topic, kafka_partition, source, next_offset, batch_id, updated_at)
       SELECT ${[p.ref('pipeline', V), p.ref('region', V), p.ref('cell', V), p.ref('topic', V)].join(', ')}, r.kafka_partition, ${p.ref('source', V)}, r.next_offset,
              ${p.ref('batch_id', V)}, ${p.ref('loaded_at', 'TIMESTAMPTZ')}
         FROM ${RANGES_TABLE} r WHERE NOT EXISTS (SELECT 1 FROM ${offsets} o WHERE ${ledgerKey(p, 'o')} AND o.kafka_partition = r.kafka_partition)`,
  ];
}

/** One dead letter per partition whose offsets retention deleted before they were loaded. */
export function gapsSql(p: Params, stateSchema: string): string {
  return `INSERT INTO ${qualified(stateSchema, DEAD_LETTERS_TABLE)} (pipeline, region, source, cell, topic, kafka_partition, kafka_offset, reason, detail, batch_id, dead_lettered_at)
    SELECT ${[p.ref('pipeline', V), p.ref('region', V), p.ref('source', V), p.ref('cell', V), p.ref('topic', V)].join(', ')}, r.kafka_partition, r.gap_from, 'retention-gap', r.gap_detail,
           ${p.ref('batch_id', V)}, ${p.ref('loaded_at', 'TIMESTAMPTZ')}
      FROM ${RANGES_TABLE} r WHERE r.gap_from IS NOT NULL`;
}

/** Who a topic or CDC batch is: its id and the cell cluster's topic its ledger rows are keyed by. */
export interface LedgerBatch {
  batchId: string;
  pipeline: string;
  region: string;
  source: string;
  cell: string;
  topic: string;
}

/** The ledger fields of a unit (or any object carrying them), alone. */
export function ledgerBatch(u: LedgerBatch): LedgerBatch {
  return { batchId: u.batchId, pipeline: u.pipeline, region: u.region, source: u.source, cell: u.cell, topic: u.topic };
}

/** Parameter values the ledger statements and lineage columns of a topic or CDC batch reference: the batch and its target, its range, rows, checksum and times. */
export function stagedBatchValues(
  v: LedgerBatch & { rows: number; checksum: string; extractedAt: string; loadedAt: string },
  target: { schema: string; table: string },
  range: { from: string; to: string },
): Record<string, string | number> {
  return {
    batch_id: v.batchId,
    pipeline: v.pipeline,
    region: v.region,
    source: v.source,
    cell: v.cell,
    topic: v.topic,
    target: `${target.schema}.${target.table}`,
    rows: v.rows,
    range_from: range.from,
    range_to: range.to,
    checksum: v.checksum,
    extracted_at: v.extractedAt,
    loaded_at: v.loadedAt,
  };
}

/**
 * The batch's row in the batch ledger, its counts read from the temp table `counts` (alias c):
 * `tallies` are the expressions for rows_staged, inserted, updated, unchanged, deleted, quarantined;
 * `proof` for rows_read, deduplicated, dead_lettered, deleted_absent (batch-counts.ts).
 */
export function batchLedgerSql(p: Params, stateSchema: string, counts: string, tallies: string, proof: string): string {
  return `INSERT INTO ${qualified(stateSchema, 'tributary_batches')} (batch_id, pipeline, region, source, source_table, target, range_from, range_to, rows_staged, inserted, updated, unchanged, deleted, quarantined, checksum, loaded_at,
                                  ${LEDGER_COUNT_COLUMNS.join(', ')})
       SELECT ${[p.ref('batch_id', V), p.ref('pipeline', V), p.ref('region', V), p.ref('source', V), p.ref('topic', V), p.ref('target', V), p.ref('range_from', V), p.ref('range_to', V)].join(', ')},
              ${tallies}, ${p.ref('checksum', V)}, ${p.ref('loaded_at', 'TIMESTAMPTZ')}, ${proof}, NULL, NULL
         FROM ${counts} c`;
}

/**
 * Fails the batch when the rows it read are not the rows the stage held (a text that is no
 * integer, as the other checks): `read` and `staged` are SQL expressions over `counts` (alias c).
 */
export function readCheckSql(counts: string, read: string, staged: string): string {
  return `SELECT CAST(CASE WHEN ${read} <> ${staged} THEN 'tributary: ' || CAST(${read} AS VARCHAR(20)) || ' rows read, but ' || CAST(${staged} AS VARCHAR(20)) || ' staged' END AS INT) FROM ${counts} c`;
}

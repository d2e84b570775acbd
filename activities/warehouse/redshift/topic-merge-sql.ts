// Pure SQL for a topic batch on Redshift, as ONE BatchExecuteStatement (one transaction): lock
// the target, stage the partition's ledger move and guard it (offsets-sql.ts), COPY the rows and
// the dead letters from their manifests and check both counts, drop what another run loaded
// already, then upsert by key (newest message of a key wins: inside a partition by offset, across
// partitions by message timestamp; delete + insert, no ON CONFLICT on Redshift) or append, write
// the dead letters, the gap, the batch ledger row and the partition's next offset, and read the
// counts back. Values are Data API parameters; identifiers are quoted.
import type { ColumnSpec } from '../../specs/columns.js';
import { DEAD_LETTER_COLUMNS, KAFKA_COLUMNS } from '../../specs/topic-columns.js';
import { LINEAGE_COLUMNS } from '../../specs/merge-specs.js';
import type { TopicMergeSpec } from '../../specs/merge-specs.js';
import { foldName, ident, qualified } from './identifiers.js';
import { copySql, LEDGER_COUNT_COLUMNS, Params, type Param } from './merge-sql.js';
import { batchLedgerSql, readCheckSql, DEAD_LETTERS_TABLE, gapsSql, ledgerGuardSql, ledgerValues, moveLedgerSqls, rangesSql, stagedBatchValues, V, type LedgerBatch, type LedgerMove } from './offsets-sql.js';
import { assertStatementSize, MAX_BATCH_STATEMENTS } from './statement-size.js';
import { MAX_VARCHAR_BYTES, redshiftType } from './types.js';

export const TOPIC_STAGE = 'tributary_topic_stage';
export const TOPIC_DEAD = 'tributary_topic_dead';
export const TOPIC_INCOMING = 'tributary_topic_incoming';
export const TOPIC_COUNTS = 'tributary_topic_counts';

const CELL = '_cell';

/** Redshift DDL type of a target column. */
function targetType(c: ColumnSpec): string {
  if (c.name === CELL || c.name === '_source' || c.name === '_region' || c.name === '_batch_id') return 'VARCHAR(256)';
  return redshiftType(c).sql;
}

/** Every column of a topic target, in table order: mapped (and raw), Kafka metadata, cell, lineage. */
export function topicTargetColumns(spec: TopicMergeSpec): ColumnSpec[] {
  return [...spec.columns, ...KAFKA_COLUMNS, { name: CELL, type: 'text' }, ...LINEAGE_COLUMNS];
}

export function createTopicTargetSql(spec: TopicMergeSpec): string {
  const cols = topicTargetColumns(spec).map((c) => `${ident(c.name, 'column')} ${targetType(c)}`);
  const pk = spec.key ? [...spec.key, '_source'] : ['_source', 'kafka_partition', 'kafka_offset'];
  const sql = `CREATE TABLE IF NOT EXISTS ${qualified(spec.schema, spec.table)} (${cols.join(', ')}, PRIMARY KEY (${pk.map((k) => ident(k)).join(', ')}))`;
  return assertStatementSize(sql, `CREATE TABLE ${spec.schema}.${spec.table}`);
}

/** Columns the config maps now that the target lacks (`existing`: folded names). */
export function addTopicColumnSqls(spec: TopicMergeSpec, existing: ReadonlySet<string>): string[] {
  return topicTargetColumns(spec)
    .filter((c) => !existing.has(foldName(c.name)))
    .map((c) => `ALTER TABLE ${qualified(spec.schema, spec.table)} ADD COLUMN ${ident(c.name, 'column')} ${targetType(c)}`);
}

/** Stage columns: the target's types, VARCHARs at the maximum so COPY never fails on length. */
const stageDefs = (cols: ColumnSpec[]) =>
  cols
    .map((c) => {
      const t = redshiftType(c);
      return `${ident(c.name, 'column')} ${t.varcharBytes === null ? t.sql : `VARCHAR(${MAX_VARCHAR_BYTES})`}`;
    })
    .join(', ');

/** The temp table a batch's staged dead letters are COPYed into (topic and CDC merges). */
export function deadStageSql(): string {
  return `CREATE TEMP TABLE ${TOPIC_DEAD} (${stageDefs(DEAD_LETTER_COLUMNS)})`;
}

/** The staged dead letters into the dead-letter table, with where they came from (:pipeline, :region, :source, :cell, :topic, :batch_id, :loaded_at). */
export function insertDeadLettersSql(p: Params, stateSchema: string): string {
  const dead = DEAD_LETTER_COLUMNS.map((c) => ident(c.name)).join(', ');
  return `INSERT INTO ${qualified(stateSchema, DEAD_LETTERS_TABLE)} (pipeline, region, source, cell, topic, ${dead}, batch_id, dead_lettered_at)
       SELECT ${[p.ref('pipeline', V), p.ref('region', V), p.ref('source', V), p.ref('cell', V), p.ref('topic', V)].join(', ')}, ${dead}, ${p.ref('batch_id', V)}, ${p.ref('loaded_at', 'TIMESTAMPTZ')}
         FROM ${TOPIC_DEAD}`;
}

export interface TopicBatchInput {
  spec: TopicMergeSpec;
  stateSchema: string;
  rowsManifestUrl: string;
  deadManifestUrl: string;
  copyRoleArn: string;
  values: LedgerBatch & {
    /** Rows and dead letters the stage files hold, and the messages the extract consumed. */
    rows: number;
    deadLetters: number;
    consumed: number;
    /** The first offset applied: the range's start, or where another run left the ledger. */
    loadFrom: number;
    /** The range's start as planned (rows below loadFrom are dropped). */
    from: number;
    to: number;
    checksum: string;
    extractedAt: string;
    loadedAt: string;
  };
  move: LedgerMove;
}

export interface TopicBatch {
  sqls: string[];
  parameters: Param[];
  at: { guard: number; copyRows: number; countRows: number; copyDead: number; countDead: number; countsCheck: number; result: number };
}

export function topicMergeBatch(input: TopicBatchInput): TopicBatch {
  const { spec, values: v, stateSchema } = input;
  const p = new Params({
    ...stagedBatchValues(v, spec, { from: String(v.loadFrom), to: String(v.to) }),
    dead_rows: v.deadLetters,
    consumed: v.consumed,
    load_from: v.loadFrom,
    ...ledgerValues([input.move]),
  });
  const target = qualified(spec.schema, spec.table);
  const staged = [...spec.columns, ...KAFKA_COLUMNS];
  const sqls: string[] = [];
  const at = { guard: -1, copyRows: -1, countRows: -1, copyDead: -1, countDead: -1, countsCheck: -1, result: -1 };
  const push = (sql: string, mark?: keyof typeof at) => {
    if (mark) at[mark] = sqls.length;
    sqls.push(sql);
  };
  const countCheck = (param: string, what: string) =>
    `SELECT CAST(CASE WHEN pg_last_copy_count() <> ${p.ref(param, 'BIGINT')} THEN 'tributary: COPY loaded ' || CAST(pg_last_copy_count() AS VARCHAR(20)) || ' ${what}, the stage holds ' || ${p.ref(param, 'VARCHAR(20)')} END AS INT)`;

  push(`LOCK ${target}`);
  for (const s of rangesSql(p, [input.move])) push(s);
  push(ledgerGuardSql(p, stateSchema), 'guard');
  push(`CREATE TEMP TABLE ${TOPIC_STAGE} (${stageDefs(staged)})`);
  push(copySql(input.rowsManifestUrl, input.copyRoleArn, TOPIC_STAGE), 'copyRows');
  push(countCheck('rows', 'rows'), 'countRows');
  push(deadStageSql());
  push(copySql(input.deadManifestUrl, input.copyRoleArn, TOPIC_DEAD), 'copyDead');
  push(countCheck('dead_rows', 'dead letters'), 'countDead');
  // Offsets another run loaded already (it committed part of this range).
  if (v.loadFrom > v.from) {
    push(`DELETE FROM ${TOPIC_STAGE} WHERE kafka_offset < ${p.ref('load_from', 'BIGINT')}`);
    push(`DELETE FROM ${TOPIC_DEAD} WHERE kafka_offset < ${p.ref('load_from', 'BIGINT')}`);
  }

  const stagedNames = staged.map((c) => ident(c.name));
  const insertCols = [...stagedNames, ident(CELL), ...LINEAGE_COLUMNS.map((c) => ident(c.name))].join(', ');
  const insertValues = (alias: string) =>
    [...stagedNames.map((n) => `${alias}.${n}`), p.ref('cell', V), p.ref('source', V), p.ref('region', V), p.ref('batch_id', V), p.ref('extracted_at', 'TIMESTAMPTZ'), p.ref('loaded_at', 'TIMESTAMPTZ')].join(', ');
  if (spec.key) {
    const key = spec.key.map((k) => ident(k));
    const match = (t: string, s: string) => [...key.map((k) => `${t}.${k} = ${s}.${k}`), `${t}."_source" = ${p.ref('source')}`].join(' AND ');
    // Kafka orders a key only inside its partition; a key seen in two partitions goes by timestamp.
    const newer = (t: string, s: string) =>
      `((${t}.kafka_partition = ${s}.kafka_partition AND ${t}.kafka_offset < ${s}.kafka_offset) OR (${t}.kafka_partition <> ${s}.kafka_partition AND (${t}.kafka_timestamp <= ${s}.kafka_timestamp OR ${t}.kafka_timestamp IS NULL OR ${s}.kafka_timestamp IS NULL)))`;
    push(
      `CREATE TEMP TABLE ${TOPIC_INCOMING} AS SELECT ${stagedNames.map((n) => `d.${n}`).join(', ')}
         FROM (SELECT ${TOPIC_STAGE}.*, ROW_NUMBER() OVER (PARTITION BY ${key.join(', ')} ORDER BY kafka_offset DESC) AS _rn FROM ${TOPIC_STAGE}) d WHERE d._rn = 1`,
    );
    push(
      `CREATE TEMP TABLE ${TOPIC_COUNTS} AS SELECT (SELECT COUNT(*) FROM ${TOPIC_STAGE}) AS rows_in, (SELECT COUNT(*) FROM ${TOPIC_DEAD}) AS dead,
         (SELECT COUNT(*) FROM ${TOPIC_INCOMING}) AS incoming,
         (SELECT COUNT(*) FROM ${TOPIC_INCOMING} i JOIN ${target} t ON ${match('t', 'i')} AND ${newer('t', 'i')}) AS replaced,
         (SELECT COUNT(*) FROM ${TOPIC_INCOMING} i JOIN ${target} t ON ${match('t', 'i')} AND NOT ${newer('t', 'i')}) AS blocked`,
    );
    push(`DELETE FROM ${target} USING ${TOPIC_INCOMING} WHERE ${match(target, TOPIC_INCOMING)} AND ${newer(target, TOPIC_INCOMING)}`);
    push(`INSERT INTO ${target} (${insertCols}) SELECT ${insertValues('i')} FROM ${TOPIC_INCOMING} i WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${match('t', 'i')})`);
  } else {
    push(
      `CREATE TEMP TABLE ${TOPIC_COUNTS} AS SELECT (SELECT COUNT(*) FROM ${TOPIC_STAGE}) AS rows_in, (SELECT COUNT(*) FROM ${TOPIC_DEAD}) AS dead,
         (SELECT COUNT(*) FROM ${TOPIC_STAGE}) AS incoming, 0 AS replaced, 0 AS blocked`,
    );
    push(`INSERT INTO ${target} (${insertCols}) SELECT ${insertValues('s')} FROM ${TOPIC_STAGE} s`);
  }
  push(insertDeadLettersSql(p, stateSchema));
  if (input.move.gap) push(gapsSql(p, stateSchema));
  // Counted: messages consumed = rows and dead letters staged; of those, messages another run loaded
  // already and rows older than the warehouse's are unchanged, older rows of a key in the batch deduplicated.
  const inStage = `${p.ref('rows', 'BIGINT')} + ${p.ref('dead_rows', 'BIGINT')}`;
  const trimmed = `${inStage} - c.rows_in - c.dead`;
  push(readCheckSql(TOPIC_COUNTS, p.ref('consumed', 'BIGINT'), inStage), 'countsCheck');
  push(
    batchLedgerSql(
      p,
      stateSchema,
      TOPIC_COUNTS,
      `${inStage}, c.incoming - c.blocked - c.replaced, c.replaced, c.blocked + ${trimmed}, 0, 0`,
      `${p.ref('consumed', 'BIGINT')}, c.rows_in - c.incoming, c.dead, 0`,
    ),
  );
  for (const s of moveLedgerSqls(p, stateSchema)) push(s);
  push(
    `SELECT c.rows_in, c.dead, b.rows_staged, b.inserted, b.updated, b.unchanged, b.deleted, b.quarantined, ${LEDGER_COUNT_COLUMNS.map((n) => `b.${n}`).join(', ')}
       FROM ${TOPIC_COUNTS} c, ${qualified(stateSchema, 'tributary_batches')} b WHERE b.batch_id = ${p.ref('batch_id')}`,
    'result',
  );

  if (sqls.length > MAX_BATCH_STATEMENTS) throw new Error(`the topic merge needs ${sqls.length} statements; BatchExecuteStatement takes at most ${MAX_BATCH_STATEMENTS}`);
  sqls.forEach((s, i) => assertStatementSize(s, `topic merge statement ${i + 1} for ${spec.schema}.${spec.table}`));
  return { sqls, parameters: p.list(), at };
}

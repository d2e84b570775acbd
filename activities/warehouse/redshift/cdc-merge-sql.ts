// Pure SQL for a CDC batch on Redshift, as ONE BatchExecuteStatement (one transaction): lock the
// target, stage and guard the partitions' ledger moves (offsets-sql.ts), COPY the collapsed
// changes and check the count, fill unchanged TOASTed values (first from the live warehouse row
// named in _missing, then, for the old key of a primary-key change, from the row kept when that
// key moved away), keep the rows this batch moves away, count, delete or mark the deleted keys
// (including moved-away old keys), replace the upserted keys behind the LSN version guard (delete
// + insert: no ON CONFLICT, no RETURNING, no xmax on Redshift), and write the ledger rows.
//
// Rows moved away by a primary-key change are kept in a table per target in the state schema with
// the target's row columns (tributary_cdc_moved__<schema>__<table>), so values keep their types
// without jsonb. _missing is staged as VARCHAR and read with JSON_EXTRACT_PATH_TEXT. Only columns
// PostgreSQL can TOAST (variable-length types) can be unavailable: each costs two statements.
import { LINEAGE_COLUMNS, type CdcMergeSpec } from '../../specs/merge-specs.js';
import { foldName, ident, identifierProblem, qualified } from './identifiers.js';
import { copySql, LEDGER_COUNT_COLUMNS, Params, type Param } from './merge-sql.js';
import { batchLedgerSql, gapsSql, ledgerGuardSql, ledgerValues, moveLedgerSqls, rangesSql, stagedBatchValues, V, type LedgerBatch, type LedgerMove } from './offsets-sql.js';
import { assertStatementSize, MAX_BATCH_STATEMENTS } from './statement-size.js';
import { deleteByVersionSqls, GAP_DELETED, healValues, keepSnapshotSqls, raiseToEpochsSql, TRUNCATED, upsertEpochsSqls, type CdcHeal } from './cdc-heal-sql.js';
import { MAX_VARCHAR_BYTES, redshiftType } from './types.js';
import { deadStageSql, insertDeadLettersSql, TOPIC_DEAD } from './topic-merge-sql.js';

export const CDC_STAGE = 'tributary_cdc_stage';
export const CDC_COUNTS = 'tributary_cdc_counts';

/** The merge spec; the staged meta columns are _op, _lsn, _source_ts, _missing (and _partition where staged). */
export type RedshiftCdcSpec = CdcMergeSpec;

/** The table keeping rows moved away by primary-key changes, in the state schema. */
export function movedTableName(schema: string, table: string): string {
  const name = foldName(`tributary_cdc_moved__${schema}__${table}`);
  const problem = identifierProblem(name);
  if (problem) throw new Error(`the moved-rows table of ${schema}.${table} ("${name}") ${problem}; use a shorter target name`);
  return name;
}

const lineageType = (name: string) => (name === '_extracted_at' || name === '_loaded_at' ? 'TIMESTAMPTZ' : 'VARCHAR(256)');

/** Target meta columns besides the row's: the LSN version guard, commit time, soft-delete marks. */
export function cdcMetaDefs(spec: RedshiftCdcSpec, adding = false): { name: string; sql: string }[] {
  return [
    // Added to an existing table it needs a default: 0 is older than any LSN.
    { name: '_lsn', sql: adding ? 'DECIMAL(20,0) NOT NULL DEFAULT 0' : 'DECIMAL(20,0) NOT NULL' },
    { name: '_source_ts', sql: 'TIMESTAMPTZ' },
    ...(spec.deletes === 'soft'
      ? [
          { name: '_deleted', sql: 'BOOLEAN NOT NULL DEFAULT FALSE' },
          { name: '_deleted_at', sql: 'TIMESTAMPTZ' },
        ]
      : []),
  ];
}

export function createCdcTargetSql(spec: RedshiftCdcSpec): string {
  const defs = [
    ...spec.columns.map((c) => `${ident(c.name, 'column')} ${redshiftType(c).sql}`),
    ...cdcMetaDefs(spec).map((m) => `${ident(m.name)} ${m.sql}`),
    ...LINEAGE_COLUMNS.map((c) => `${ident(c.name)} ${lineageType(c.name)}`),
  ];
  const pk = [...spec.key, '_source'].map((k) => ident(k)).join(', ');
  return assertStatementSize(`CREATE TABLE IF NOT EXISTS ${qualified(spec.schema, spec.table)} (${defs.join(', ')}, PRIMARY KEY (${pk}))`, `CREATE TABLE ${spec.schema}.${spec.table}`);
}

export function addCdcColumnSql(spec: RedshiftCdcSpec, name: string, typeSql: string, table = qualified(spec.schema, spec.table)): string {
  return `ALTER TABLE ${table} ADD COLUMN ${ident(name, 'column')} ${typeSql}`;
}

export function createMovedTableSql(spec: RedshiftCdcSpec, stateSchema: string): string {
  const defs = [
    ...spec.columns.map((c) => `${ident(c.name, 'column')} ${redshiftType(c).sql}`),
    `"_lsn" DECIMAL(20,0) NOT NULL`,
    `"_source" VARCHAR(256) NOT NULL`,
    `"_batch_id" VARCHAR(512) NOT NULL`,
    `"_moved_at" TIMESTAMPTZ NOT NULL`,
  ];
  return `CREATE TABLE IF NOT EXISTS ${qualified(stateSchema, movedTableName(spec.schema, spec.table))} (${defs.join(', ')})`;
}

/** PostgreSQL TOASTs only variable-length values: these are the columns Debezium may send as unavailable. */
export function toastable(type: string): boolean {
  return !/^(smallint|integer|bigint|real|double precision|boolean|date|uuid|(timestamp|time)(\(\d\))? with(out)? time zone)$/.test(type.trim().toLowerCase());
}

/** :oldkey_<i>_<j> parameters for movedLsnsSql: the key columns as text. */
export function movedLsnsSql(stateSchema: string, target: { schema: string; table: string }, keyColumns: string[], keys: number): string {
  const moved = qualified(stateSchema, movedTableName(target.schema, target.table));
  const text = (k: string) => `CAST(${ident(k)} AS VARCHAR(${MAX_VARCHAR_BYTES}))`;
  const match = Array.from({ length: keys }, (_, i) => `(${keyColumns.map((k, j) => `${text(k)} = :oldkey_${i}_${j}`).join(' AND ')})`);
  return `SELECT ${keyColumns.map((k, j) => `${text(k)} AS k_${j}`).join(', ')}, CAST("_lsn" AS VARCHAR(40)) AS lsn FROM ${moved} WHERE "_source" = :source AND (${match.join(' OR ')})`;
}

export interface CdcBatchInput {
  spec: RedshiftCdcSpec;
  stateSchema: string;
  /** null: the batch has no changes (only the ledger moves). */
  manifestUrl: string | null;
  copyRoleArn: string;
  values: LedgerBatch & {
    rows: number;
    rangeFrom: string;
    rangeTo: string;
    checksum: string;
    extractedAt: string;
    loadedAt: string;
    /** Moved rows kept since before this are dropped (their new key never needed them). */
    expireBefore: string;
    /** Change events the extract read (collapsed by key into `rows`). */
    events: number;
  };
  moves: LedgerMove[];
  /** Snapshot epochs, a truncate, gap deletes (cdc-heal-sql.ts); absent: none of them (a batch staged before them). */
  heal?: CdcHeal;
  /** The batch's dead letters (cdc-dead-letters.ts): their manifest and how many the stage holds; absent: none. */
  dead?: { manifestUrl: string; count: number };
}

export interface CdcBatch {
  sqls: string[];
  parameters: Param[];
  at: { guard: number; copy: number; countCheck: number; copyDead: number; countDead: number; result: number };
}

export function cdcMergeBatch(input: CdcBatchInput): CdcBatch {
  const { spec, values: v, stateSchema } = input;
  const types = new Map(spec.columns.map((c) => [c.name, redshiftType(c).sql]));
  const resolvable = spec.written.filter((c) => !spec.key.includes(c.name) && toastable(c.type));
  const p = new Params({
    ...stagedBatchValues(v, spec, { from: v.rangeFrom, to: v.rangeTo }),
    events: v.events,
    dead_rows: input.dead?.count ?? 0,
    expire_before: v.expireBefore,
    ...Object.fromEntries(resolvable.map((c, i) => [`mc_${i}`, c.name])),
    ...Object.fromEntries(spec.key.map((k, j) => [`mk_${j}`, k])),
    ...ledgerValues(input.moves),
    ...(input.heal ? healValues(input.heal) : {}),
  });
  const heal = input.heal;
  const target = qualified(spec.schema, spec.table);
  const moved = qualified(stateSchema, movedTableName(spec.schema, spec.table));
  const stage = CDC_STAGE;
  const key = spec.key.map((k) => ident(k));
  const match = (t: string, s: string) => [...key.map((k) => `${t}.${k} = ${s}.${k}`), `${t}."_source" = ${p.ref('source')}`].join(' AND ');
  const live = (t: string) => (spec.deletes === 'soft' ? ` AND NOT ${t}."_deleted"` : '');
  const sqls: string[] = [];
  const at = { guard: -1, copy: -1, countCheck: -1, copyDead: -1, countDead: -1, result: -1 };
  const push = (sql: string, mark?: keyof typeof at) => {
    if (mark) at[mark] = sqls.length;
    sqls.push(sql);
  };

  push(`LOCK ${target}`);
  for (const s of rangesSql(p, input.moves)) push(s);
  push(ledgerGuardSql(p, stateSchema), 'guard');
  if (input.dead) {
    push(deadStageSql());
    push(copySql(input.dead.manifestUrl, input.copyRoleArn, TOPIC_DEAD), 'copyDead');
    push(
      `SELECT CAST(CASE WHEN pg_last_copy_count() <> ${p.ref('dead_rows', 'BIGINT')} THEN 'tributary: COPY loaded ' || CAST(pg_last_copy_count() AS VARCHAR(20)) || ' dead letters, the stage holds ' || ${p.ref('dead_rows', 'VARCHAR(20)')} END AS INT)`,
      'countDead',
    );
    push(insertDeadLettersSql(p, stateSchema));
  }
  if (input.manifestUrl !== null && v.rows > 0) {
    const stageCols = spec.columns.map((c) => {
      const t = redshiftType(c);
      return `${ident(c.name, 'column')} ${t.varcharBytes === null ? t.sql : `VARCHAR(${MAX_VARCHAR_BYTES})`}`;
    });
    // Files staged with _partition carry it last (COPY is by position).
    const meta = [`"_op" VARCHAR(8)`, `"_lsn" DECIMAL(20,0)`, `"_source_ts" TIMESTAMPTZ`, `"_missing" VARCHAR(${MAX_VARCHAR_BYTES})`, ...(heal?.raise ? [`"_partition" INTEGER`] : [])];
    push(`CREATE TEMP TABLE ${stage} (${[...stageCols, ...meta].join(', ')})`);
    push(copySql(input.manifestUrl, input.copyRoleArn, stage), 'copy');
    push(
      `SELECT CAST(CASE WHEN pg_last_copy_count() <> ${p.ref('rows', 'BIGINT')} THEN 'tributary: COPY loaded ' || CAST(pg_last_copy_count() AS VARCHAR(20)) || ' changes, the stage holds ' || ${p.ref('rows', 'VARCHAR(20)')} END AS INT)`,
      'countCheck',
    );
    // Streamed changes sent after a snapshot an earlier batch read are newer than its rows.
    if (heal?.raise) push(raiseToEpochsSql(p, stateSchema, stage));
    // Unchanged TOASTed values, before anything is deleted: the live row of the key named in
    // _missing, then (for a primary-key change's old key) the row kept when it moved, which wins.
    resolvable.forEach((c, i) => {
      const col = ident(c.name);
      const missing = `COALESCE(JSON_EXTRACT_PATH_TEXT(${stage}."_missing", ${p.ref(`mc_${i}`)}), '') <> ''`;
      const holder = (alias: string) =>
        spec.key.map((k, j) => `${alias}.${ident(k)} = CAST(JSON_EXTRACT_PATH_TEXT(${stage}."_missing", ${p.ref(`mc_${i}`)}, ${p.ref(`mk_${j}`)}) AS ${types.get(k) ?? 'VARCHAR(65535)'})`).join(' AND ');
      push(`UPDATE ${stage} SET ${col} = t.${col} FROM ${target} t WHERE ${missing} AND t."_source" = ${p.ref('source')} AND ${holder('t')}${live('t')}`);
      push(`UPDATE ${stage} SET ${col} = m.${col} FROM ${moved} m WHERE ${missing} AND NOT (${holder(stage)}) AND m."_source" = ${p.ref('source')} AND ${holder('m')}`);
    });
    // Rows a primary-key change moves away, for the create of their new key (maybe a later batch).
    const movedCols = spec.written.map((c) => ident(c.name));
    push(`DELETE FROM ${moved} USING ${stage} WHERE ${stage}."_op" = 'm' AND ${match(moved, stage)} AND ${moved}."_lsn" < ${stage}."_lsn"`);
    push(
      `INSERT INTO ${moved} (${[...movedCols, '"_lsn"', '"_source"', '"_batch_id"', '"_moved_at"'].join(', ')})
         SELECT ${[...movedCols.map((c) => `s.${c}`), 's."_lsn"', p.ref('source', V), p.ref('batch_id', V), p.ref('loaded_at', 'TIMESTAMPTZ')].join(', ')}
           FROM ${stage} s WHERE s."_op" = 'm' AND NOT EXISTS (SELECT 1 FROM ${moved} m WHERE ${match('m', 's')})`,
    );
    push(`DELETE FROM ${moved} WHERE "_moved_at" < ${p.ref('expire_before', 'TIMESTAMPTZ')}`);
    // The changes staged are those after the truncate: it goes first.
    if (heal?.truncateVersion) for (const s of deleteByVersionSqls(p, { target, deletes: spec.deletes, cmp: '<=', param: 'truncate_version', countTable: TRUNCATED })) push(s);
    const joined = (ops: string, cond: string) => `(SELECT COUNT(*) FROM ${stage} s JOIN ${target} t ON ${match('t', 's')} WHERE s."_op" IN (${ops}) AND ${cond})`;
    push(
      `CREATE TEMP TABLE ${CDC_COUNTS} AS SELECT (SELECT COUNT(*) FROM ${stage}) AS rows_in, (SELECT COUNT(*) FROM ${stage} WHERE "_op" = 'u') AS upserts,
         ${joined(`'d', 'm'`, `t."_lsn" <= s."_lsn"${live('t')}`)} AS deleted,
         ${joined(`'u'`, `t."_lsn" <= s."_lsn"`)} AS updated,
         ${joined(`'u'`, `t."_lsn" > s."_lsn"`)} AS blocked`,
    );
    // Deletes, unless the warehouse row is newer (a replayed old delete).
    if (spec.deletes === 'hard') {
      push(`DELETE FROM ${target} USING ${stage} WHERE ${stage}."_op" IN ('d', 'm') AND ${match(target, stage)} AND ${target}."_lsn" <= ${stage}."_lsn"`);
    } else {
      push(
        `UPDATE ${target} SET "_deleted" = TRUE, "_deleted_at" = COALESCE(${stage}."_source_ts", ${p.ref('loaded_at', 'TIMESTAMPTZ')}), "_lsn" = ${stage}."_lsn",
           "_source_ts" = ${stage}."_source_ts", "_batch_id" = ${p.ref('batch_id')}, "_loaded_at" = ${p.ref('loaded_at', 'TIMESTAMPTZ')}
         FROM ${stage} WHERE ${stage}."_op" IN ('d', 'm') AND ${match(target, stage)} AND ${target}."_lsn" <= ${stage}."_lsn"${live(target)}`,
      );
    }
    // Upserts: replace the warehouse row unless it carries a newer LSN (version guard).
    push(`DELETE FROM ${target} USING ${stage} WHERE ${stage}."_op" = 'u' AND ${match(target, stage)} AND ${target}."_lsn" <= ${stage}."_lsn"`);
    const soft = spec.deletes === 'soft';
    const cols = [...spec.written.map((c) => ident(c.name)), '"_lsn"', '"_source_ts"', ...(soft ? ['"_deleted"', '"_deleted_at"'] : []), ...LINEAGE_COLUMNS.map((c) => ident(c.name))];
    const values = [
      ...spec.written.map((c) => `s.${ident(c.name)}`),
      's."_lsn"',
      's."_source_ts"',
      ...(soft ? ['FALSE', 'CAST(NULL AS TIMESTAMPTZ)'] : []),
      p.ref('source', V),
      p.ref('region', V),
      p.ref('batch_id', V),
      p.ref('extracted_at', 'TIMESTAMPTZ'),
      p.ref('loaded_at', 'TIMESTAMPTZ'),
    ];
    push(`INSERT INTO ${target} (${cols.join(', ')}) SELECT ${values.join(', ')} FROM ${stage} s WHERE s."_op" = 'u' AND NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${match('t', 's')})`);
  } else {
    if (heal?.truncateVersion) for (const s of deleteByVersionSqls(p, { target, deletes: spec.deletes, cmp: '<=', param: 'truncate_version', countTable: TRUNCATED })) push(s);
    push(`CREATE TEMP TABLE ${CDC_COUNTS} AS SELECT 0 AS rows_in, 0 AS upserts, 0 AS deleted, 0 AS updated, 0 AS blocked`);
  }
  // Keys the closed snapshot did not write and no later change touched are gone at the source.
  if (heal?.closeBelow) for (const s of deleteByVersionSqls(p, { target, deletes: spec.deletes, cmp: '<', param: 'close_below', countTable: GAP_DELETED })) push(s);
  for (const s of upsertEpochsSqls(p, stateSchema, heal?.epochs.length ?? 0)) push(s);
  for (const s of keepSnapshotSqls(p, stateSchema, heal?.snapshot)) push(s);
  const deleted = ['c.deleted', ...(heal?.truncateVersion ? [`(SELECT n FROM ${TRUNCATED})`] : []), ...(heal?.closeBelow ? [`(SELECT n FROM ${GAP_DELETED})`] : [])].join(' + ');
  if (input.moves.some((m) => m.gap)) push(gapsSql(p, stateSchema));
  // Counted: events collapsed by key at the extract are deduplicated; truncate and snapshot deletes are rows gone from the source;
  // dead letters (their COPY count checked) are read, staged and dead-lettered.
  const dead = input.dead ? p.ref('dead_rows', 'BIGINT') : '0';
  const absent = ['0', ...(heal?.truncateVersion ? [`(SELECT n FROM ${TRUNCATED})`] : []), ...(heal?.closeBelow ? [`(SELECT n FROM ${GAP_DELETED})`] : [])].join(' + ');
  push(
    batchLedgerSql(
      p,
      stateSchema,
      CDC_COUNTS,
      `c.rows_in + ${dead}, c.upserts - c.updated - c.blocked, c.updated, c.rows_in - (c.upserts - c.blocked) - c.deleted, ${deleted}, 0`,
      `${p.ref('events', 'BIGINT')} + ${dead}, ${p.ref('events', 'BIGINT')} - c.rows_in, ${dead}, ${absent}`,
    ),
  );
  for (const s of moveLedgerSqls(p, stateSchema)) push(s);
  push(
    `SELECT c.rows_in, b.rows_staged, b.inserted, b.updated, b.unchanged, b.deleted, b.quarantined, ${LEDGER_COUNT_COLUMNS.map((n) => `b.${n}`).join(', ')}
       FROM ${CDC_COUNTS} c, ${qualified(stateSchema, 'tributary_batches')} b WHERE b.batch_id = ${p.ref('batch_id')}`,
    'result',
  );

  if (sqls.length > MAX_BATCH_STATEMENTS) {
    throw new Error(
      `the CDC merge into ${spec.schema}.${spec.table} needs ${sqls.length} statements (two per column PostgreSQL may TOAST: ${resolvable.map((c) => c.name).join(', ')}); ` +
        `BatchExecuteStatement takes at most ${MAX_BATCH_STATEMENTS}`,
    );
  }
  sqls.forEach((s, i) => assertStatementSize(s, `CDC merge statement ${i + 1} for ${spec.schema}.${spec.table}`));
  return { sqls, parameters: p.list(), at };
}

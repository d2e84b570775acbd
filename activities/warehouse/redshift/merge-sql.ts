// Pure SQL for the Redshift warehouse. One staged batch becomes ONE BatchExecuteStatement (one
// transaction): lock the target, note whether the batch is already in the ledger, create the
// temp stage, COPY from the manifest, check the loaded count, refuse duplicate keys, keep the
// newest row per key, quarantine values too long for their column, drop what would not change
// the target, count, delete the rows replaced, insert, (dimensions) delete or mark missing keys,
// write the ledger row and move the checkpoints forward, and read the ledger row back.
//
// Values travel as Data API parameters (:name), never pasted; the manifest URL and role ARN,
// which COPY cannot take as parameters, are checked against strict patterns first. Every write
// is guarded by the "already in the ledger" flag, so a resubmitted batch changes nothing. Stage
// columns get positional names (c0, c1, ...) and inserts are positional, so statements stay
// under 100 KB whatever the number or length of the column names. No TRUNCATE: it commits.
import { LINEAGE_COLUMNS, ROW_HASH, SOFT_DELETE_COLUMNS, type MergeMode, type MergeSpec } from '../../specs/merge-specs.js';
import { foldName, ident, qualified } from './identifiers.js';
import { stateSchemaSqls } from './state-schema.js';
import { MAX_VARCHAR_BYTES, redshiftType } from './types.js';
import { redshiftCompareExpr } from '../../../types/render.js';
import type { ColumnSpec } from '../../specs/columns.js';
import { assertStatementSize, groupBySize, MAX_BATCH_STATEMENTS } from './statement-size.js';
import { STAGE_NULL } from '../../stage/null-marker.js';

export const STATE_TABLE = 'tributary_state';
export const STAGE_TABLE = 'tributary_stage';
export const INCOMING_TABLE = 'tributary_incoming';
export const COUNTS_TABLE = 'tributary_counts';
/** Rows kept after the dedup by key (before pruning), and what the target held of the source before the batch. */
export const KEPT_TABLE = 'tributary_kept';
export const BEFORE_TABLE = 'tributary_before';
export const AFTER_TABLE = 'tributary_after';

export interface TargetColumn {
  /** As the catalog has it (folded to lower case). */
  name: string;
  /** Declared VARCHAR length in bytes; null for other types. */
  varcharBytes: number | null;
  /** Declared DECIMAL precision and scale; absent for other types. */
  decimal?: { precision: number; scale: number };
  /** information_schema's data_type ("integer", "timestamp with time zone", ...). */
  dataType?: string;
}

export interface BatchValues {
  batchId: string;
  pipeline: string;
  region: string;
  source: string;
  stream: string;
  rows: number;
  checksum: string;
  extractedAt: string;
  loadedAt: string;
  rangeFrom: string | null;
  rangeTo: string | null;
  /** Forward-only positions written with the batch: the checkpoint and any markers. */
  positions: { stream: string; position: string }[];
  /** A repair batch: it heals rows changed by hand, so finding them is no drift. */
  repair?: boolean;
}

export interface MergeInput {
  spec: MergeSpec;
  stateSchema: string;
  /** The target's columns in table order, after schema evolution. */
  target: TargetColumn[];
  manifestUrl: string;
  copyRoleArn: string;
  values: BatchValues;
}

export interface Param {
  name: string;
  value: string;
}

export interface MergeBatch {
  sqls: string[];
  parameters: Param[];
  /** Indexes into sqls of the statements whose failure has a known meaning. */
  at: { copy: number; countCheck: number; uniqueCheck: number; countsCheck: number; partitionCheck: number; result: number };
}

/** Collects the parameters a batch uses; the Data API refuses one no statement references. */
export class Params {
  private readonly values = new Map<string, string>();

  constructor(private readonly given: Record<string, string | number | null>) {}

  /** `:name`, or NULL for a null value (a parameter cannot be null). */
  ref(name: string, cast?: string): string {
    const v = this.given[name];
    if (v === undefined) throw new Error(`no value for parameter :${name}`);
    if (v === null) return 'NULL';
    this.values.set(name, String(v));
    return cast ? `CAST(:${name} AS ${cast})` : `:${name}`;
  }

  list(): Param[] {
    return [...this.values].map(([name, value]) => ({ name, value }));
  }
}

const COPY_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9!_.*()/:=+,@-]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/;

/** The COPY of a stage table (`table`, a plain name) from a batch manifest. Gzip CSV as the S3 stage writes it. */
export function copySql(manifestUrl: string, roleArn: string, table: string = STAGE_TABLE): string {
  if (!COPY_URL.test(manifestUrl)) throw new Error(`manifest URL "${manifestUrl}" is not a plain s3:// URL`);
  if (!ROLE_ARN.test(roleArn)) throw new Error(`"${roleArn}" is not an IAM role ARN`);
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`stage table "${table}" is not a plain name`);
  // TRUNCATECOLUMNS: the stage's VARCHARs are already 65535 bytes; a longer value is cut there and
  // quarantined (it cannot fit any Redshift VARCHAR), rather than failing the whole load.
  // NULL AS: the S3 stage writes NULL as this marker and an empty string as "" (null-marker.ts), so
  // both survive; EMPTYASNULL would turn '' into NULL.
  return `COPY ${table} FROM '${manifestUrl}' IAM_ROLE '${roleArn}' MANIFEST FORMAT AS CSV GZIP NULL AS '${STAGE_NULL}' TIMEFORMAT 'auto' DATEFORMAT 'auto' TRUNCATECOLUMNS COMPUPDATE OFF STATUPDATE OFF`;
}

/** A batch's SQL, for one merge mode. Modes differ in dedup order, pruning and deletes. */
interface ModeSql {
  /** Stage column that orders duplicates of a key (newest wins); null when a key may appear once only. */
  order(ctx: Ctx): string | null;
  /** Statements that drop incoming rows which would not change the target. */
  prune(ctx: Ctx): string[];
  /** Count of target rows the batch deletes or marks (dimensions), as a scalar subquery; '0' otherwise. */
  missingCount(ctx: Ctx): string;
  /** The statement deleting or marking those rows, if any. */
  deleteMissing(ctx: Ctx): string | null;
  /** Value of a mode column (row hash, soft-delete marks) for insert. */
  modeValue(ctx: Ctx, column: string): string | null;
  /** A whole read of the source (a dimension's full pass): the target's live rows of the source, as a scalar subquery; null otherwise. */
  sourceRows(ctx: Ctx): string | null;
}

/** The live rows of this batch's source in the target. */
function liveSourceRows(ctx: Ctx, soft: boolean): string {
  return `(SELECT COUNT(*) FROM ${ctx.target} WHERE ${ctx.t('_source')} = ${ctx.p.ref('source')}${soft ? ` AND NOT ${ctx.t('_deleted')}` : ''})`;
}

class Ctx {
  readonly target: string;
  readonly stageIndex = new Map<string, number>();
  readonly p: Params;
  readonly done = `(SELECT done FROM ${STATE_TABLE}) = 0`;

  constructor(readonly input: MergeInput) {
    const { spec, values } = input;
    this.target = qualified(spec.schema, spec.table);
    spec.stagedColumns.forEach((c, i) => this.stageIndex.set(foldName(c.name), i));
    this.p = new Params({
      batch_id: values.batchId,
      pipeline: values.pipeline,
      region: values.region,
      source: values.source,
      stream: values.stream,
      target: `${spec.schema}.${spec.table}`,
      rows: values.rows,
      checksum: values.checksum,
      extracted_at: values.extractedAt,
      loaded_at: values.loadedAt,
      range_from: values.rangeFrom,
      range_to: values.rangeTo,
      manifest: input.manifestUrl,
      reason: `a value is longer than its column allows (Redshift VARCHAR lengths are bytes, at most ${MAX_VARCHAR_BYTES})`,
      ...Object.fromEntries(values.positions.flatMap((pos, i) => [[`stream_${i}`, pos.stream], [`position_${i}`, pos.position]])),
    });
  }

  state(table: string): string {
    return qualified(this.input.stateSchema, table);
  }

  /** Stage column of a source column: c<i>. */
  col(name: string): string {
    const i = this.stageIndex.get(foldName(name));
    if (i === undefined) throw new Error(`column "${name}" is not in the staged batch`);
    return `c${i}`;
  }

  /** Target column, qualified by the full table name (Redshift DELETE/UPDATE take no alias). */
  t(name: string): string {
    return `${this.target}.${ident(name)}`;
  }

  /** Key equality between the target and a stage-shaped table, plus this batch's _source. */
  keyMatch(other: string): string {
    return [...this.input.spec.key.map((k) => `${this.t(k)} = ${other}.${this.col(k)}`), `${this.t('_source')} = ${this.p.ref('source')}`].join(' AND ');
  }

  keyList(prefix = ''): string {
    return this.input.spec.key.map((k) => `${prefix}${this.col(k)}`).join(', ');
  }

  /** The key as one text value, for messages and the quarantine table. */
  keyText(prefix = ''): string {
    return this.input.spec.key.map((k) => `COALESCE(CAST(${prefix}${this.col(k)} AS VARCHAR(65535)), 'NULL')`).join(` || ',' || `);
  }
}

/** Equal or both NULL, compared as the type map says (SUPER through JSON_SERIALIZE, GEOMETRY through its hex EWKB). */
const nullSafeEqual = (c: ColumnSpec, a: string, b: string) =>
  `(${redshiftCompareExpr(c, a)} = ${redshiftCompareExpr(c, b)} OR (${a} IS NULL AND ${b} IS NULL))`;

const UPSERT: ModeSql = {
  order: (ctx) => {
    const m = ctx.input.spec.mode as Extract<MergeMode, { kind: 'upsert' }>;
    return ctx.col(m.version);
  },
  prune(ctx) {
    const m = ctx.input.spec.mode as Extract<MergeMode, { kind: 'upsert' }>;
    const v = ctx.col(m.version);
    const inc = INCOMING_TABLE;
    const out = [
      // Version guard: a row older than the warehouse's never replaces it.
      `DELETE FROM ${inc} USING ${ctx.target} WHERE ${ctx.keyMatch(inc)} AND ${ctx.t(m.version)} > ${inc}.${v}`,
      // Same version: unchanged unless some column differs (checked in groups that fit a statement).
      `UPDATE ${inc} SET _same = TRUE FROM ${ctx.target} WHERE ${ctx.keyMatch(inc)} AND ${ctx.t(m.version)} = ${inc}.${v}`,
    ];
    const terms = ctx.input.spec.columns.map((c) => `NOT ${nullSafeEqual(c, ctx.t(c.name), `${inc}.${ctx.col(c.name)}`)}`);
    for (const group of groupBySize(terms, ' OR ')) {
      out.push(`UPDATE ${inc} SET _same = FALSE FROM ${ctx.target} WHERE ${ctx.keyMatch(inc)} AND ${inc}._same AND (${group.join(' OR ')})`);
    }
    out.push(`DELETE FROM ${inc} WHERE _same`);
    return out;
  },
  missingCount: () => '0',
  deleteMissing: () => null,
  modeValue: () => null,
  sourceRows: () => null,
};

const SNAPSHOT: ModeSql = {
  order: () => null,
  prune(ctx) {
    const m = ctx.input.spec.mode as Extract<MergeMode, { kind: 'snapshot' }>;
    const live = m.deletes === 'soft' ? ` AND NOT ${ctx.t('_deleted')}` : '';
    const inc = INCOMING_TABLE;
    return [`DELETE FROM ${inc} USING ${ctx.target} WHERE ${ctx.keyMatch(inc)} AND ${ctx.t(ROW_HASH.name)} = ${inc}.${ctx.col(ROW_HASH.name)}${live}`];
  },
  missingCount(ctx) {
    const where = missingWhere(ctx);
    return where ? `(SELECT COUNT(*) FROM ${ctx.target} WHERE ${where})` : '0';
  },
  deleteMissing(ctx) {
    const m = ctx.input.spec.mode as Extract<MergeMode, { kind: 'snapshot' }>;
    const where = missingWhere(ctx);
    if (!where) return null;
    if (m.deletes === 'hard') return `DELETE FROM ${ctx.target} WHERE ${where} AND ${ctx.done}`;
    return `UPDATE ${ctx.target} SET ${ident('_deleted')} = TRUE, ${ident('_deleted_at')} = ${ctx.p.ref('loaded_at', 'TIMESTAMPTZ')} WHERE ${where} AND ${ctx.done}`;
  },
  modeValue(ctx, column) {
    if (column === ROW_HASH.name) return ctx.col(ROW_HASH.name);
    if (column === '_deleted') return 'FALSE';
    if (column === '_deleted_at') return 'NULL';
    return null;
  },
  sourceRows(ctx) {
    const m = ctx.input.spec.mode as Extract<MergeMode, { kind: 'snapshot' }>;
    return m.partial ? null : liveSourceRows(ctx, m.deletes === 'soft');
  },
};

/** Keys of this source the (whole-table) batch lacks; null for a partial batch, which cannot tell. */
function missingWhere(ctx: Ctx): string | null {
  const m = ctx.input.spec.mode as Extract<MergeMode, { kind: 'snapshot' }>;
  if (m.partial) return null;
  const live = m.deletes === 'soft' ? ` AND NOT ${ctx.t('_deleted')}` : '';
  const inStage = ctx.input.spec.key.map((k) => `${ctx.t(k)} = ${STAGE_TABLE}.${ctx.col(k)}`).join(' AND ');
  return `${ctx.t('_source')} = ${ctx.p.ref('source')}${live} AND NOT EXISTS (SELECT 1 FROM ${STAGE_TABLE} WHERE ${inStage})`;
}

/** More modes (topic, cdc) plug in here. */
const MODES: Partial<Record<MergeMode['kind'], ModeSql>> = { upsert: UPSERT, snapshot: SNAPSHOT };

function modeOf(spec: MergeSpec): ModeSql {
  const m = MODES[spec.mode.kind];
  if (!m) throw new Error(`the Redshift warehouse has no merge for mode "${spec.mode.kind}" yet`);
  return m;
}

/** Stage column types: Redshift types, with every VARCHAR at the maximum so COPY never fails on length. */
export function stageColumnsSql(spec: MergeSpec): string {
  return spec.stagedColumns
    .map((c, i) => {
      const t = redshiftType(c);
      return `c${i} ${t.varcharBytes === null ? t.sql : `VARCHAR(${MAX_VARCHAR_BYTES})`}`;
    })
    .join(', ');
}

/** Rows with a value too long for its target column: lengths in bytes; 65535 means "possibly cut by COPY". */
function overflowPredicate(ctx: Ctx, prefix: string): string | null {
  const terms: string[] = [];
  const targets = new Map(ctx.input.target.map((t) => [t.name, t]));
  for (const c of ctx.input.spec.columns) {
    const target = targets.get(foldName(c.name));
    if (!target || target.varcharBytes === null || redshiftType(c).varcharBytes === null) continue;
    // A NULL is never too long (and must not turn the predicate NULL).
    const col = `COALESCE(${prefix}${ctx.col(c.name)}, '')`;
    terms.push(target.varcharBytes >= MAX_VARCHAR_BYTES ? `OCTET_LENGTH(${col}) >= ${MAX_VARCHAR_BYTES}` : `OCTET_LENGTH(${col}) > ${target.varcharBytes}`);
  }
  return terms.length ? `(${terms.join(' OR ')})` : null;
}

/** The value inserted into each target column, in the target's order (a positional insert). */
function insertValues(ctx: Ctx, mode: ModeSql): string[] {
  const lineage: Record<string, string> = {
    _source: ctx.p.ref('source'),
    _region: ctx.p.ref('region'),
    _batch_id: ctx.p.ref('batch_id'),
    _extracted_at: ctx.p.ref('extracted_at', 'TIMESTAMPTZ'),
    _loaded_at: ctx.p.ref('loaded_at', 'TIMESTAMPTZ'),
  };
  const sourceCols = new Set(ctx.input.spec.columns.map((c) => foldName(c.name)));
  return ctx.input.target.map((t) => {
    if (t.name in lineage) return lineage[t.name]!;
    const modeValue = mode.modeValue(ctx, t.name);
    if (modeValue !== null) return modeValue;
    // Columns the batch lacks (dropped at the source, or left out by policy) load as NULL.
    return sourceCols.has(t.name) ? ctx.col(t.name) : 'NULL';
  });
}

export function mergeBatch(input: MergeInput): MergeBatch {
  const ctx = new Ctx(input);
  const mode = modeOf(input.spec);
  const { p } = ctx;
  const ledger = ctx.state('tributary_batches');
  const sqls: string[] = [];
  const at = { copy: -1, countCheck: -1, uniqueCheck: -1, countsCheck: -1, partitionCheck: -1, result: -1 };
  const push = (sql: string, mark?: keyof typeof at) => {
    if (mark) at[mark] = sqls.length;
    sqls.push(sql);
  };

  // Serialises merges into one target (and avoids serializable-isolation aborts between them).
  push(`LOCK ${ctx.target}`);
  push(`CREATE TEMP TABLE ${STATE_TABLE} AS SELECT COUNT(*) AS done FROM ${ledger} WHERE batch_id = ${p.ref('batch_id')}`);
  // A whole read: what the target held of this source, against what the last batch left (rows changed by hand).
  const whole = mode.sourceRows(ctx);
  if (whole) {
    const last = `(SELECT target_rows FROM ${ledger} WHERE target = ${p.ref('target')} AND source = ${p.ref('source')} AND target_rows IS NOT NULL ORDER BY loaded_at DESC, batch_id DESC LIMIT 1)`;
    push(`CREATE TEMP TABLE ${BEFORE_TABLE} AS SELECT ${whole} AS found, ${input.values.repair ? 'CAST(NULL AS BIGINT)' : last} AS expected`);
  }
  push(`CREATE TEMP TABLE ${STAGE_TABLE} (${stageColumnsSql(input.spec)})`);
  push(copySql(input.manifestUrl, input.copyRoleArn), 'copy');
  push(
    `SELECT CAST(CASE WHEN pg_last_copy_count() <> ${p.ref('rows', 'BIGINT')} THEN 'tributary: COPY loaded ' || CAST(pg_last_copy_count() AS VARCHAR(20)) || ' rows, the stage holds ' || ${p.ref('rows', 'VARCHAR(20)')} END AS INT)`,
    'countCheck',
  );
  for (const sql of dedupAndIncoming(ctx, mode)) push(sql.sql, sql.mark);
  push(`CREATE TEMP TABLE ${KEPT_TABLE} AS SELECT COUNT(*) AS kept FROM ${INCOMING_TABLE}`);
  for (const sql of mode.prune(ctx)) push(sql);
  push(
    `CREATE TEMP TABLE ${COUNTS_TABLE} AS SELECT (SELECT COUNT(*) FROM ${INCOMING_TABLE}) AS incoming,
       (SELECT COUNT(*) FROM ${INCOMING_TABLE} JOIN ${ctx.target} ON ${ctx.keyMatch(INCOMING_TABLE)}) AS replaced,
       (SELECT COUNT(*) FROM ${ctx.state('tributary_quarantine')} WHERE batch_id = ${p.ref('batch_id')}) AS quarantined,
       ${mode.missingCount(ctx)} AS missing`,
  );
  // Every staged row in one place: kept (then written or left unchanged), deduplicated, or quarantined.
  push(
    `SELECT CAST(CASE WHEN c.replaced > c.incoming OR c.incoming > k.kept OR k.kept + c.quarantined > ${p.ref('rows', 'BIGINT')}
       THEN 'tributary: counts do not add up: ' || ${p.ref('rows', 'VARCHAR(20)')} || ' staged, ' || CAST(k.kept AS VARCHAR(20)) || ' kept, ' || CAST(c.incoming AS VARCHAR(20)) || ' to write, '
            || CAST(c.replaced AS VARCHAR(20)) || ' replacing, ' || CAST(c.quarantined AS VARCHAR(20)) || ' quarantined' END AS INT)
       FROM ${COUNTS_TABLE} c, ${KEPT_TABLE} k, ${STATE_TABLE} s WHERE s.done = 0`,
    'countsCheck',
  );
  push(`DELETE FROM ${ctx.target} USING ${INCOMING_TABLE} WHERE ${ctx.keyMatch(INCOMING_TABLE)}`);
  push(`INSERT INTO ${ctx.target} SELECT ${insertValues(ctx, mode).join(', ')} FROM ${INCOMING_TABLE}`);
  const missing = mode.deleteMissing(ctx);
  if (missing) push(missing);
  // A whole read leaves the target holding the source's rows, no more, no fewer (quarantined rows aside).
  if (whole) {
    push(`CREATE TEMP TABLE ${AFTER_TABLE} AS SELECT ${whole} AS n`);
    push(
      `SELECT CAST(CASE WHEN c.quarantined = 0 AND a.n <> ${p.ref('rows', 'BIGINT')}
         THEN 'tributary: the source had ' || ${p.ref('rows', 'VARCHAR(20)')} || ' rows when read whole, the warehouse holds ' || CAST(a.n AS VARCHAR(20)) END AS INT)
         FROM ${COUNTS_TABLE} c, ${AFTER_TABLE} a, ${STATE_TABLE} s WHERE s.done = 0`,
      'partitionCheck',
    );
  }
  const partition = whole ? 'a.n, b.found - b.expected' : 'NULL, NULL';
  push(
    `INSERT INTO ${ledger} (batch_id, pipeline, region, source, source_table, target, range_from, range_to, rows_staged, inserted, updated, unchanged, deleted, quarantined, checksum, loaded_at,
                           ${LEDGER_COUNT_COLUMNS.join(', ')})
     SELECT ${p.ref('batch_id')}, ${p.ref('pipeline')}, ${p.ref('region')}, ${p.ref('source')}, ${p.ref('stream')}, ${p.ref('target')}, ${p.ref('range_from')}, ${p.ref('range_to')},
            ${p.ref('rows', 'BIGINT')}, c.incoming - c.replaced, c.replaced, k.kept - c.incoming, c.missing, c.quarantined,
            ${p.ref('checksum')}, ${p.ref('loaded_at', 'TIMESTAMPTZ')},
            ${p.ref('rows', 'BIGINT')}, ${p.ref('rows', 'BIGINT')} - c.quarantined - k.kept, c.quarantined, c.missing, ${partition}
       FROM ${COUNTS_TABLE} c, ${KEPT_TABLE} k, ${STATE_TABLE} s${whole ? `, ${BEFORE_TABLE} b, ${AFTER_TABLE} a` : ''} WHERE s.done = 0`,
  );
  for (const sql of checkpointSqls(ctx)) push(sql);
  push(
    `SELECT s.done, b.rows_staged, b.inserted, b.updated, b.unchanged, b.deleted, b.quarantined, ${LEDGER_COUNT_COLUMNS.map((c) => `b.${c}`).join(', ')}
       FROM ${STATE_TABLE} s, ${ledger} b WHERE b.batch_id = ${p.ref('batch_id')}`,
    'result',
  );

  if (sqls.length > MAX_BATCH_STATEMENTS) throw new Error(`the merge needs ${sqls.length} statements; BatchExecuteStatement takes at most ${MAX_BATCH_STATEMENTS}`);
  sqls.forEach((s, i) => assertStatementSize(s, `merge statement ${i + 1} for ${input.spec.schema}.${input.spec.table}`));
  return { sqls, parameters: p.list(), at };
}

/** Refuses keys staged twice with the same version (or twice at all without one), quarantines, keeps the newest row per key. */
function dedupAndIncoming(ctx: Ctx, mode: ModeSql): { sql: string; mark?: 'uniqueCheck' }[] {
  const { p } = ctx;
  const order = mode.order(ctx);
  const groupCols = [ctx.keyList(), ...(order ? [order] : [])].join(', ');
  const out: { sql: string; mark?: 'uniqueCheck' }[] = [];
  out.push({
    sql: `SELECT CAST(CASE WHEN COUNT(*) > 0 THEN 'tributary: key appears twice in one batch: ' || MIN(${ctx.keyText('d.')}) END AS INT)
            FROM (SELECT ${groupCols} FROM ${STAGE_TABLE} GROUP BY ${groupCols} HAVING COUNT(*) > 1) d`,
    mark: 'uniqueCheck',
  });
  const overflow = overflowPredicate(ctx, `${STAGE_TABLE}.`);
  if (overflow) {
    out.push({
      sql: `INSERT INTO ${ctx.state('tributary_quarantine')} (batch_id, pipeline, region, source, target, row_key, reason, manifest, quarantined_at)
              SELECT ${p.ref('batch_id')}, ${p.ref('pipeline')}, ${p.ref('region')}, ${p.ref('source')}, ${p.ref('target')}, ${ctx.keyText(`${STAGE_TABLE}.`)},
                     ${p.ref('reason')}, ${p.ref('manifest')}, ${p.ref('loaded_at', 'TIMESTAMPTZ')}
                FROM ${STAGE_TABLE} WHERE ${overflow} AND ${ctx.done}`,
    });
  }
  const cols = ctx.input.spec.stagedColumns.map((_, i) => `c${i}`).join(', ');
  const fits = overflowPredicate(ctx, 'd.');
  const keep = [`${ctx.done}`, ...(fits ? [`NOT ${fits}`] : []), ...(order ? ['d._rn = 1'] : [])].join(' AND ');
  const ranked = order
    ? `(SELECT ${STAGE_TABLE}.*, ROW_NUMBER() OVER (PARTITION BY ${ctx.keyList()} ORDER BY ${order} DESC) AS _rn FROM ${STAGE_TABLE}) d`
    : `${STAGE_TABLE} d`;
  out.push({ sql: `CREATE TEMP TABLE ${INCOMING_TABLE} AS SELECT ${cols.split(', ').map((c) => `d.${c}`).join(', ')}, FALSE AS _same FROM ${ranked} WHERE ${keep}` });
  return out;
}

/** Text parameters in a select list are typed, as the same parameter is compared with VARCHAR columns below. */
const V = 'VARCHAR(4096)';

/** Forward-only: update when behind, insert when absent (Redshift has no ON CONFLICT). */
function checkpointSqls(ctx: Ctx): string[] {
  const { p } = ctx;
  const cp = ctx.state('tributary_checkpoints');
  return ctx.input.values.positions.flatMap((_, i) => {
    const key = `pipeline = ${p.ref('pipeline')} AND region = ${p.ref('region')} AND source = ${p.ref('source')} AND stream = ${p.ref(`stream_${i}`)}`;
    return [
      `UPDATE ${cp} SET position = ${p.ref(`position_${i}`)}, batch_id = ${p.ref('batch_id')}, updated_at = ${p.ref('loaded_at', 'TIMESTAMPTZ')}
        WHERE ${key} AND position < ${p.ref(`position_${i}`)} AND ${ctx.done}`,
      `INSERT INTO ${cp} (pipeline, region, source, stream, position, batch_id, updated_at)
        SELECT ${[p.ref('pipeline', V), p.ref('region', V), p.ref('source', V), p.ref(`stream_${i}`, V), p.ref(`position_${i}`, V), p.ref('batch_id', V)].join(', ')}, ${p.ref('loaded_at', 'TIMESTAMPTZ')}
          FROM ${STATE_TABLE} s WHERE s.done = 0 AND NOT EXISTS (SELECT 1 FROM ${cp} WHERE ${key})`,
    ];
  });
}

// --- Outside the merge transaction: state tables, target DDL, schema evolution. ---

export function stateTablesSql(schema: string): string[] {
  return stateSchemaSqls(schema, (q) => [
    `CREATE TABLE IF NOT EXISTS ${q('tributary_checkpoints')} (
       pipeline VARCHAR(256) NOT NULL, region VARCHAR(256) NOT NULL, source VARCHAR(256) NOT NULL, stream VARCHAR(1024) NOT NULL,
       position VARCHAR(4096) NOT NULL, batch_id VARCHAR(512) NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (pipeline, region, source, stream))`,
    `CREATE TABLE IF NOT EXISTS ${q('tributary_batches')} (
       batch_id VARCHAR(512) NOT NULL PRIMARY KEY, pipeline VARCHAR(256) NOT NULL, region VARCHAR(256) NOT NULL, source VARCHAR(256) NOT NULL,
       source_table VARCHAR(1024) NOT NULL, target VARCHAR(1024) NOT NULL, range_from VARCHAR(4096), range_to VARCHAR(4096),
       rows_staged BIGINT NOT NULL, inserted BIGINT NOT NULL, updated BIGINT NOT NULL, unchanged BIGINT NOT NULL, deleted BIGINT NOT NULL,
       quarantined BIGINT NOT NULL, checksum VARCHAR(256) NOT NULL, loaded_at TIMESTAMPTZ NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${q('tributary_quarantine')} (
       batch_id VARCHAR(512) NOT NULL, pipeline VARCHAR(256) NOT NULL, region VARCHAR(256) NOT NULL, source VARCHAR(256) NOT NULL,
       target VARCHAR(1024) NOT NULL, row_key VARCHAR(65535), reason VARCHAR(1024) NOT NULL, manifest VARCHAR(2048) NOT NULL,
       quarantined_at TIMESTAMPTZ NOT NULL)`,
  ]);
}

/** $schema, $table (named parameters :schema, :table): the target's columns in order, with VARCHAR lengths. */
export const TARGET_COLUMNS_SQL = `SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns
  WHERE table_schema = :schema AND table_name = :table ORDER BY ordinal_position`;

/** The target's DDL: CREATE TABLE with as many columns as fit one statement, then one ADD COLUMN each for the rest. */
export function createTargetSqls(spec: MergeSpec, modeColumns: { name: string; type: string }[]): string[] {
  const t = qualified(spec.schema, spec.table);
  const defs = [
    ...spec.columns.map((c) => `${ident(c.name, 'column')} ${redshiftType(c).sql}`),
    ...modeColumns.map((c) => `${ident(c.name)} ${modeColumnType(c.name)}`),
    ...LINEAGE_COLUMNS.map((c) => `${ident(c.name)} ${lineageType(c.name)}`),
  ];
  const pk = `PRIMARY KEY (${[...spec.key, '_source'].map((k) => ident(k)).join(', ')})`;
  const keys = new Set([...spec.key.map(foldName), '_source']);
  const isKey = (d: string) => keys.has(d.slice(1, d.indexOf('"', 1)));
  // Key columns must be in the CREATE (the primary key names them); the rest fill it up to the budget.
  const [first = [], ...rest] = groupBySize([...defs.filter(isKey), ...defs.filter((d) => !isKey(d))], ', ');
  return [
    assertStatementSize(`CREATE TABLE IF NOT EXISTS ${t} (${[...first, pk].join(', ')})`, `CREATE TABLE ${spec.schema}.${spec.table}`),
    ...rest.flat().map((d) => `ALTER TABLE ${t} ADD COLUMN ${d}`),
  ];
}

function modeColumnType(name: string): string {
  if (name === ROW_HASH.name) return 'VARCHAR(64)';
  if (name === SOFT_DELETE_COLUMNS[0]!.name) return 'BOOLEAN NOT NULL DEFAULT FALSE';
  return 'TIMESTAMPTZ';
}

function lineageType(name: string): string {
  return name === '_extracted_at' || name === '_loaded_at' ? 'TIMESTAMPTZ' : 'VARCHAR(256)';
}

/** Redshift adds one column per ALTER TABLE, outside any transaction block. */
export function addColumnSql(spec: MergeSpec, column: { name: string; type: string }): string {
  return `ALTER TABLE ${qualified(spec.schema, spec.table)} ADD COLUMN ${ident(column.name, 'column')} ${redshiftType(column).sql}`;
}

/** Widening a VARCHAR (never narrowing); Redshift cannot do it inside a transaction block. */
export function widenColumnSql(spec: { schema: string; table: string }, column: string, bytes: number): string {
  return `ALTER TABLE ${qualified(spec.schema, spec.table)} ALTER COLUMN ${ident(column, 'column')} TYPE VARCHAR(${Math.min(bytes, MAX_VARCHAR_BYTES)})`;
}

/** :batch_id. A committed batch's counts: checked before loading anything. */
export function findBatchSql(stateSchema: string): string {
  return `SELECT rows_staged, inserted, updated, unchanged, deleted, quarantined, ${LEDGER_COUNT_COLUMNS.join(', ')} FROM ${qualified(stateSchema, 'tributary_batches')} WHERE batch_id = :batch_id`;
}

/**
 * Ledger columns added with the count check (batch-counts.ts); null in rows written before.
 * Redshift adds one column per ALTER TABLE and knows no ADD COLUMN IF NOT EXISTS: the ones the
 * catalog lacks are added (ledgerColumnSqls), and "already exists" from a racing worker is success.
 */
export const LEDGER_COUNT_COLUMNS = ['rows_read', 'deduplicated', 'dead_lettered', 'deleted_absent', 'target_rows', 'drift_rows'] as const;

/** The ALTER TABLEs that give an existing ledger the columns it lacks (`have`: its columns, folded). */
export function ledgerColumnSqls(stateSchema: string, have: Set<string>): string[] {
  return LEDGER_COUNT_COLUMNS.filter((c) => !have.has(c)).map((c) => `ALTER TABLE ${qualified(stateSchema, 'tributary_batches')} ADD COLUMN ${c} BIGINT`);
}

/** :pipeline, :region, :source, :stream. */
export function readCheckpointSql(stateSchema: string): string {
  return `SELECT position FROM ${qualified(stateSchema, 'tributary_checkpoints')} WHERE pipeline = :pipeline AND region = :region AND source = :source AND stream = :stream`;
}

/** :query_id. The load errors of a failed COPY: file, line, column and why. */
export const LOAD_ERRORS_SQL = `SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(column_type) AS column_type,
  TRIM(error_message) AS error_message FROM sys_load_error_detail WHERE query_id = CAST(:query_id AS BIGINT) ORDER BY line_number LIMIT 10`;

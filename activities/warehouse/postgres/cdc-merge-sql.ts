// Pure SQL for applying a collapsed CDC batch to the PostgreSQL warehouse: the target (the row's
// columns, the LSN version column, soft-delete marks, lineage), the staged changes, reading
// unchanged TOASTed values from the warehouse rows that hold them, the guarded delete and the
// guarded upsert. Identifiers are quoted; types come from the validated column specs; values
// are always bind parameters.
import pg from 'pg';
import type { ColumnSpec } from '../../specs/columns.js';
import { CDC_STAGED_META, CDC_TARGET_META } from '../../specs/cdc-columns.js';
import type { CdcMergeSpec } from '../../specs/merge-specs.js';
import { LINEAGE_COLUMNS, SOFT_DELETE_COLUMNS } from './merge-sql.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export type { CdcMergeSpec };

export const CDC_STAGE = 'tributary_cdc_stage';

const target = (s: CdcMergeSpec) => `${ident(s.schema)}.${ident(s.table)}`;
const stage = ident(CDC_STAGE);
const metaColumns = (s: CdcMergeSpec) => [...CDC_TARGET_META, ...(s.deletes === 'soft' ? SOFT_DELETE_COLUMNS : [])];

/** Every column of the target in table order: the row's, the version and commit time, soft-delete marks, lineage. */
export function cdcTargetColumns(spec: CdcMergeSpec): ColumnSpec[] {
  return [...spec.columns, ...metaColumns(spec), ...LINEAGE_COLUMNS];
}

export function createCdcTargetSql(spec: CdcMergeSpec): string {
  const cols = cdcTargetColumns(spec).map((c) => `${ident(c.name)} ${c.type}`);
  const pk = [...spec.key, '_source'].map(ident).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${target(spec)} (${cols.join(', ')}, PRIMARY KEY (${pk}))`;
}

/** Row columns the source gained, and the soft-delete marks when the policy changed to soft. */
export function addCdcColumnsSql(spec: CdcMergeSpec, columns: ColumnSpec[]): string[] {
  // A version column added later cannot be NOT NULL without a default: 0 is older than any LSN.
  const type = (c: ColumnSpec) => (c.name === '_lsn' ? 'numeric(20) NOT NULL DEFAULT 0' : c.type);
  return columns.map((c) => `ALTER TABLE ${target(spec)} ADD COLUMN IF NOT EXISTS ${ident(c.name)} ${type(c)}`);
}

/** Meta columns the target must have for this spec (present since creation, except soft-delete marks). */
export function cdcMetaColumns(spec: CdcMergeSpec): ColumnSpec[] {
  return metaColumns(spec);
}

export function createCdcStageSql(spec: CdcMergeSpec): string {
  const cols = [...spec.columns, ...CDC_STAGED_META].map((c) => `${ident(c.name)} ${c.type}`);
  return `CREATE TEMP TABLE ${stage} (${cols.join(', ')}) ON COMMIT DROP`;
}

/** `meta`: the meta columns the staged files hold (older batches lack _partition: it stays null). */
export function copyCdcStageSql(spec: CdcMergeSpec, meta: ColumnSpec[] = CDC_STAGED_META): string {
  const cols = [...spec.columns, ...meta].map((c) => ident(c.name));
  return `COPY ${stage} (${cols.join(', ')}) FROM STDIN WITH (FORMAT csv)`;
}

/** The columns some staged change lacks a value for (unchanged TOASTed values). */
export function missingColumnsSql(): string {
  return `SELECT DISTINCT jsonb_object_keys(_missing) AS name FROM ${stage} WHERE _missing IS NOT NULL`;
}

/**
 * Fills one missing column of the staged changes from the live warehouse row named in _missing
 * (the key itself, or the old key of a primary-key change), unless that old key's moved row is
 * kept (resolveFromMovedSql: it holds the values at the change, the live row may be a later
 * reuse of the key). A soft-deleted row holds values from before its delete, never newer ones.
 * Runs before anything is deleted. $1 source, $2 target name.
 */
export function resolveMissingSql(spec: CdcMergeSpec, column: string, stateSchema: string): string {
  const types = new Map(spec.columns.map((c) => [c.name, c.type]));
  const holder = spec.key.map((k) => `t.${ident(k)} = (s._missing -> ${literal(column)} ->> ${literal(k)})::${types.get(k) ?? 'text'}`);
  const live = spec.deletes === 'soft' ? ' AND NOT t._deleted' : '';
  const moved = `${ident(stateSchema)}.${ident(MOVED_TABLE)}`;
  return `UPDATE ${stage} s SET ${ident(column)} = t.${ident(column)} FROM ${target(spec)} t
    WHERE s._missing ? ${literal(column)} AND t._source = $1 AND ${holder.join(' AND ')}${live}
      AND NOT (${movedFrom(spec, column)} AND EXISTS (SELECT 1 FROM ${moved} m WHERE m.target = $2 AND m.source = $1 AND m.old_key = s._missing -> ${literal(column)}))`;
}

/** The staged change's value for `column` comes from another key: the old key of a primary-key change. */
const movedFrom = (spec: CdcMergeSpec, column: string) => `s._missing -> ${literal(column)} <> ${keyJson(spec, 's')}`;

export const MOVED_TABLE = 'tributary_cdc_moved';

/**
 * Rows deleted by a primary-key change, kept until the create of their new key arrives: it may
 * come in a later batch (another partition) and need their unchanged TOASTed values.
 */
export function cdcStateTablesSql(schema: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`,
    `CREATE TABLE IF NOT EXISTS ${ident(schema)}.${ident(MOVED_TABLE)} (
       target text NOT NULL, source text NOT NULL, old_key jsonb NOT NULL, lsn numeric(20) NOT NULL,
       row_values jsonb NOT NULL, batch_id text NOT NULL, moved_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (target, source, old_key))`,
  ];
}

const keyJson = (spec: CdcMergeSpec, alias: string) => `jsonb_build_object(${spec.key.map((k) => `${literal(k)}, ${alias}.${ident(k)}::text`).join(', ')})`;

/**
 * After missing values are filled: keeps the rows a primary-key change moves away (_op 'm'),
 * unless newer ones are kept already. $1 source, $2 target name, $3 batch id.
 */
export function keepMovedSql(spec: CdcMergeSpec, stateSchema: string): string {
  const moved = `${ident(stateSchema)}.${ident(MOVED_TABLE)}`;
  return `INSERT INTO ${moved} AS m (target, source, old_key, lsn, row_values, batch_id)
    SELECT $2, $1, ${keyJson(spec, 's')}, s._lsn, to_jsonb(s) - '_missing', $3 FROM ${stage} s WHERE s._op = 'm'
    ON CONFLICT (target, source, old_key) DO UPDATE SET lsn = EXCLUDED.lsn, row_values = EXCLUDED.row_values, batch_id = EXCLUDED.batch_id, moved_at = now()
      WHERE m.lsn < EXCLUDED.lsn`;
}

/** Fills a missing value of a primary-key change's new key from the old key's moved row. $1 source, $2 target name. */
export function resolveFromMovedSql(spec: CdcMergeSpec, column: string, stateSchema: string): string {
  const type = spec.columns.find((c) => c.name === column)?.type ?? 'text';
  const moved = `${ident(stateSchema)}.${ident(MOVED_TABLE)}`;
  return `UPDATE ${stage} s SET ${ident(column)} = (m.row_values ->> ${literal(column)})::${type} FROM ${moved} m
    WHERE s._missing ? ${literal(column)} AND ${movedFrom(spec, column)} AND m.target = $2 AND m.source = $1 AND m.old_key = s._missing -> ${literal(column)}`;
}

/** The LSN each of some old keys was last moved at. $1 target name, $2 source, $3 old keys (jsonb[]). */
export function movedLsnsSql(stateSchema: string): string {
  return `SELECT old_key, lsn::text AS lsn FROM ${ident(stateSchema)}.${ident(MOVED_TABLE)} WHERE target = $1 AND source = $2 AND old_key = ANY($3::jsonb[])`;
}

/** Moved rows whose new key never needed them are dropped after a week. */
export function expireMovedSql(stateSchema: string): string {
  return `DELETE FROM ${ident(stateSchema)}.${ident(MOVED_TABLE)} WHERE target = $1 AND moved_at < now() - interval '7 days'`;
}

/** How many staged changes name a warehouse row for `column` (to tell how many could not be filled). */
export function countMissingSql(column: string): string {
  return `SELECT count(*)::int AS n FROM ${stage} WHERE _missing ? ${literal(column)}`;
}

const keyMatch = (spec: CdcMergeSpec) => [...spec.key.map((k) => `t.${ident(k)} = s.${ident(k)}`), 't._source = $1'].join(' AND ');

/**
 * Deletes (or marks deleted) the keys the batch deletes, unless the warehouse row is newer
 * (a replayed old delete). $1 source, $2 batch id.
 */
export function deleteCdcSql(spec: CdcMergeSpec): string {
  if (spec.deletes === 'hard') {
    return `DELETE FROM ${target(spec)} t USING ${stage} s WHERE s._op IN ('d', 'm') AND ${keyMatch(spec)} AND t._lsn <= s._lsn`;
  }
  return `UPDATE ${target(spec)} t SET _deleted = true, _deleted_at = coalesce(s._source_ts, now()), _lsn = s._lsn, _source_ts = s._source_ts,
      _batch_id = $2, _loaded_at = now()
    FROM ${stage} s WHERE s._op IN ('d', 'm') AND ${keyMatch(spec)} AND t._lsn <= s._lsn AND NOT t._deleted`;
}

/**
 * Inserts the upserted rows, or replaces the warehouse row of their key unless that one carries
 * a newer LSN (version guard). Returns inserted and updated counts.
 * $1 source, $2 region, $3 batch id, $4 extracted at.
 */
export function upsertCdcSql(spec: CdcMergeSpec): string {
  const soft = spec.deletes === 'soft';
  const cols = [...spec.written.map((c) => c.name), '_lsn', '_source_ts', ...(soft ? ['_deleted', '_deleted_at'] : []), ...LINEAGE_COLUMNS.map((c) => c.name)];
  const values = [...spec.written.map((c) => `s.${ident(c.name)}`), 's._lsn', 's._source_ts', ...(soft ? ['false', 'NULL::timestamptz'] : []), '$1', '$2', '$3', '$4::timestamptz', 'now()'];
  const keyCols = new Set([...spec.key, '_source']);
  const set = cols.filter((c) => !keyCols.has(c)).map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`);
  return `WITH w AS (
      INSERT INTO ${target(spec)} AS t (${cols.map(ident).join(', ')})
      SELECT ${values.join(', ')} FROM ${stage} s WHERE s._op = 'u'
      ON CONFLICT (${[...spec.key, '_source'].map(ident).join(', ')}) DO UPDATE SET ${set.join(', ')}
      WHERE t._lsn <= EXCLUDED._lsn
      RETURNING (xmax = 0) AS fresh)
    SELECT count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated FROM w`;
}

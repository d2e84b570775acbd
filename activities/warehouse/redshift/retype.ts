// The type-change rule (merge-rules/type-change.ts) within what Redshift can do: it changes a
// column's type in place only to a longer VARCHAR, outside a transaction. So a VARCHAR too short
// for the batch's type is widened (or refused under onTypeChange: fail), and any other change the
// target cannot hold (a DECIMAL that would round, INTEGER to BIGINT, TIMESTAMP to TIMESTAMPTZ, a
// number to VARCHAR) is refused, naming the column and both types: never rounded or cut. Pure.
import { badInput } from '../../errors.js';
import { holds } from '../../../types/widening.js';
import type { ColumnSpec } from '../../specs/columns.js';
import type { TypeChangePolicy } from '../../specs/merge-specs.js';
import { foldName } from './identifiers.js';
import type { TargetColumn } from './merge-sql.js';
import { redshiftType } from './types.js';

/** A VARCHAR column to widen to this many bytes. */
export interface VarcharWidening {
  name: string;
  bytes: number;
}

/** Redshift's types as PostgreSQL names them, for the rule; null: a type the rule leaves alone (SUPER, GEOMETRY, ...). */
const PG_NAME: Record<string, string> = {
  SMALLINT: 'smallint',
  INTEGER: 'integer',
  BIGINT: 'bigint',
  REAL: 'real',
  'DOUBLE PRECISION': 'double precision',
  BOOLEAN: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamp without time zone',
  TIMESTAMPTZ: 'timestamp with time zone',
};

function neededName(sql: string): string | null {
  const d = /^DECIMAL\((\d+),(\d+)\)$/.exec(sql);
  if (d) return `numeric(${d[1]},${d[2]})`;
  return PG_NAME[sql] ?? null;
}

function targetName(t: TargetColumn): string | null {
  if (t.decimal) return `numeric(${t.decimal.precision},${t.decimal.scale})`;
  const type = t.dataType?.toLowerCase();
  return type !== undefined && Object.values(PG_NAME).includes(type) ? type : null;
}

const REDSHIFT_NAME = Object.fromEntries(Object.entries(PG_NAME).map(([rs, pg]) => [pg, rs]));
const shown = (pgName: string) => REDSHIFT_NAME[pgName] ?? pgName.replace(/^numeric/, 'DECIMAL');

/**
 * The VARCHARs to widen for the batch's columns, given the target's (by folded name); throws
 * when the target cannot hold a column's new type and Redshift cannot change it in place.
 * `widenVarchars` false: a short VARCHAR is left to the merge's overflow policy (pull's quarantine).
 */
export function redshiftRetypes(
  columns: readonly ColumnSpec[],
  target: ReadonlyMap<string, TargetColumn>,
  policy: TypeChangePolicy,
  where: string,
  batchSide: string,
  widenVarchars = true,
): VarcharWidening[] {
  const out: VarcharWidening[] = [];
  for (const c of columns) {
    const t = target.get(foldName(c.name));
    if (!t) continue;
    const need = redshiftType(c);
    const is = `${c.type} ${batchSide} (${need.sql} on Redshift)`;
    if (t.varcharBytes !== null) {
      if (need.varcharBytes === null || need.varcharBytes <= t.varcharBytes || !widenVarchars) continue;
      if (policy === 'fail') {
        throw badInput(`${where}: column ${c.name} is ${is}, but the target keeps it as VARCHAR(${t.varcharBytes}), which cannot hold every value of it, and the pipeline's onTypeChange policy is "fail"; widen the target column by hand, or set onTypeChange: widen`);
      }
      out.push({ name: c.name, bytes: need.varcharBytes });
      continue;
    }
    const have = targetName(t);
    if (have === null) continue;
    const wanted = need.varcharBytes !== null ? 'text' : neededName(need.sql);
    if (wanted === null || holds(have, wanted)) continue;
    throw badInput(
      `${where}: column ${c.name} is ${is}, but the target keeps it as ${shown(have)}, which cannot hold every value of it; Redshift cannot change the column's type in place: add a wider column by hand and copy the values, or recreate the target and backfill`,
    );
  }
  return out;
}

// A topic column's declared type: a PostgreSQL type checked against the type map (pgTypeProblem,
// the parser CDC's columnTypes go through) and rendered from it, of a family a JSON value can be
// converted to exactly, with the modifiers every value must fit (numeric(14,4), varchar(200),
// timestamp(3), bit(8)) and whether it is an array of them. Pure.
import { parsePgType } from './parse.js';
import { canonicalPgType, pgTypeProblem } from './type-name.js';

/** How a JSON value becomes the text of a column: one converter per family. */
export type TopicFamily = 'text' | 'smallint' | 'integer' | 'bigint' | 'numeric' | 'double' | 'boolean' | 'timestamptz' | 'timestamp' | 'time' | 'date' | 'jsonb' | 'bit';

export interface TopicType {
  /** The warehouse type as format_type prints it: the DDL, and what a changed type is compared with. */
  pg: string;
  family: TopicFamily;
  /** varchar(n) and char(n): at most n characters; bit(n): exactly n bits; bit varying(n): at most n. */
  length?: number;
  exactLength?: boolean;
  /** numeric(p,s): at most p digits, none below 10^-s. */
  precision?: number;
  scale?: number;
  /** time(p), timestamp(p), timestamptz(p): at most p fractional digits of a second. */
  fraction?: number;
  /** A JSON array of such values (one dimension). */
  array: boolean;
}

/** The family of each canonical element type a topic column may have. */
const FAMILIES: Record<string, TopicFamily> = {
  text: 'text',
  'character varying': 'text',
  character: 'text',
  smallint: 'smallint',
  integer: 'integer',
  bigint: 'bigint',
  numeric: 'numeric',
  'double precision': 'double',
  boolean: 'boolean',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'time without time zone': 'time',
  date: 'date',
  jsonb: 'jsonb',
  bit: 'bit',
  'bit varying': 'bit',
};

/** Names topic columns took before they took PostgreSQL's: `double` is double precision. */
const SHORT_NAMES: Record<string, string> = { double: 'double precision', 'double[]': 'double precision[]' };

const TAKES =
  'a topic column takes text, varchar(n), char(n), smallint, integer, bigint, numeric(p,s), double precision, boolean, date, time(p), timestamp(p), timestamptz(p), jsonb, bit(n) or bit varying(n), or a one-dimensional array of one of them';

/** Why `type` cannot be a topic column's type, or undefined when it can. */
export function topicTypeProblem(type: string): string | undefined {
  const t = SHORT_NAMES[type.trim().toLowerCase()] ?? type;
  const problem = pgTypeProblem(t);
  if (problem) return problem;
  const element = canonicalPgType(t).replace(/\[\]$/, '');
  if (FAMILIES[element.replace(/\([^)]*\)/, '')] === undefined) return `${TAKES}, got "${type}"`;
  return undefined;
}

/** The checked type of a topic column (throws what topicTypeProblem says). */
export function topicType(type: string): TopicType {
  const problem = topicTypeProblem(type);
  if (problem) throw new Error(problem);
  const pg = canonicalPgType(SHORT_NAMES[type.trim().toLowerCase()] ?? type);
  const t = parsePgType(pg)!;
  const element = pg.replace(/\[\]$/, '');
  const family = FAMILIES[element.replace(/\([^)]*\)/, '')]!;
  const mod = t.mods === undefined ? undefined : t.mods.map(Number);
  const out: TopicType = { pg, family, array: t.dims > 0 };
  if (mod === undefined) return out;
  if (family === 'text') out.length = mod[0]!;
  if (family === 'bit') Object.assign(out, { length: mod[0]!, exactLength: t.base === 'bit' });
  if (family === 'numeric') Object.assign(out, { precision: mod[0]!, scale: mod[1] ?? 0 });
  if (family === 'time' || family === 'timestamp' || family === 'timestamptz') out.fraction = mod[0]!;
  return out;
}

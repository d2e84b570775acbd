// docs/types.md, rendered from the type map: one row per type with the warehouse type on each
// side, Redshift's policy for values it cannot hold exactly, the canonical text form, and the
// test columns that show it. Pure; `npm run docs:types` writes it (test/types-doc.ts).
import { parsePgType } from './parse.js';
import { CLASS_ROWS, TYPE_ROWS, type TypeRow } from './type-map.js';
import { redshiftRowRefusal } from './render.js';
import { schemalessGap } from './schemaless-cdc.js';

/** Examples a parameterised type's Redshift column is shown for. */
const EXAMPLES: Record<string, string[]> = {
  'numeric(p,s)': ['numeric(12,2)', 'numeric(50,10)', 'numeric'],
  'varchar(n)': ['character varying(20)', 'character varying'],
  'char(n)': ['character(5)'],
  'bit(n)': ['bit(3)'],
  'varbit(n)': ['bit varying(10)', 'bit varying'],
};

const CANONICAL: Record<TypeRow['canonical'], string> = {
  text: 'its text form',
  output: 'its output form (a host without /32 or /128)',
  numeric: 'its digits, trailing fractional zeros cut',
  boolean: '`t` / `f`',
  date: '`YYYY-MM-DD`',
  timestamp: '`YYYY-MM-DD HH24:MI:SS.US`',
  utc: 'UTC, `YYYY-MM-DD HH24:MI:SS.US`',
  bpchar: 'without trailing blanks',
  float: 'sign, binary exponent and 53-bit significand (`0`, `NaN`, `±Infinity` as such)',
  time: '`HH24:MI:SS.US` on a fixed day (24:00:00 the next)',
  timetz: '`HH24:MI:SS.US` in UTC on a fixed day',
  json: 'the jsonb text',
  array: "the array's JSON",
  geometry: 'hex EWKB',
};

/** The canonical text cell: the form, and why verify on Redshift does not compare it where it does not. */
function canonicalCell(r: TypeRow): string {
  const refused = redshiftRowRefusal(r);
  return refused ? `${CANONICAL[r.canonical]}; not compared on Redshift: ${refused}` : CANONICAL[r.canonical];
}

function postgresSide(r: TypeRow): string {
  if (r.postgres === 'same') return r === CLASS_ROWS.array ? 'an array of its element\'s type' : 'the same type';
  if (r.postgres === 'base type') return 'its base type';
  return '`text`';
}

function redshiftSide(r: TypeRow): string {
  if (r.names.length === 0) return r === CLASS_ROWS.domain ? "its base type's" : `\`${r.redshift({ base: 'text', mods: undefined, zone: undefined, dims: 0 }).sql}\``;
  const examples = EXAMPLES[r.title] ?? [r.names[0]!];
  return examples.map((e) => `\`${r.redshift(parsePgType(e)!).sql}\`${examples.length > 1 ? ` for ${e}` : ''}`).join(', ');
}

/** Types the type-matrix test runs through Debezium without JSON schemas too: read as with schemas, or per setting. */
const SCHEMALESS_AS_SCHEMA = new Set(['date', 'time(p)', 'timestamp(p)', 'timestamptz(p)', 'geometry', 'geography', 'point']);
/** ... and those whose values arrive as their text forms (bits and hstore read back into them by the declared type). */
const SCHEMALESS_TEXT = new Set([
  'smallint', 'integer', 'bigint', 'real', 'double precision', 'text', 'varchar(n)', 'char(n)', 'name', 'bytea', 'boolean', 'uuid', 'json', 'jsonb', 'xml',
  'inet', 'cidr', 'macaddr', 'macaddr8', 'bit(n)', 'tsvector', 'oid', 'ranges (int4range, ..., daterange)', 'hstore', 'citext', 'ltree',
]);

/** What a CDC target gets of the type without JSON schemas, typed from `columnTypes`. */
function schemalessCell(r: TypeRow): string {
  const gap = schemalessGap(r === CLASS_ROWS.array ? 'integer[]' : (r.names[0] ?? ''));
  if (gap) return `refused in \`columnTypes\`: ${gap}; use JSON schemas`;
  if (r.debezium?.startsWith('left out')) return 'left out, as with schemas';
  if (r.title === 'numeric(p,s)' || r.title === 'money') return 'the declared column, per setting ([cdc.md](cdc.md))';
  if (SCHEMALESS_AS_SCHEMA.has(r.title)) return 'the same as with schemas, in the declared column';
  if (SCHEMALESS_TEXT.has(r.title)) return 'its text form, exact, in the declared column';
  return 'the value as the connector sends it, in the declared column (not run without schemas by the type matrix)';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The whole page; `columns` names, per row title, the type-matrix columns of that row. */
export function typesMarkdown(columns: Map<string, string[]>): string {
  const rows = [...TYPE_ROWS, ...Object.values(CLASS_ROWS)];
  const lines = [
    '# Types',
    '',
    '<!-- Generated from types/type-map.ts by `npm run docs:types`; test/unit/types-doc.test.ts fails while it differs. -->',
    '',
    'Every type a PostgreSQL source column can have, as the type map (`types/type-map.ts`) keeps it: the',
    "PostgreSQL warehouse's type (one every warehouse has: a domain becomes its base type without NOT NULL",
    "or CHECK, a type the warehouse may lack becomes `text` with the source's text form), the Redshift type",
    'and what happens to the values Redshift cannot hold exactly, and the canonical text verify compares.',
    'Arrays of every type (any number of dimensions, with NULLs) keep their element type in the PostgreSQL',
    'warehouse. The same map serves pull (fact, dimension), CDC `columnTypes`, topic columns and the Redshift DDL.',
    '',
    'Redshift policies: **exact** every value fits; **text form** VARCHAR holds the source\'s text; **quarantine**',
    'a value longer than its VARCHAR keeps its row out of the target, recorded in `tributary_quarantine`; **fail** the load fails naming the column.',
    '',
    'Shown by `test/integration/type-matrix.test.ts` (each column loaded as a fact and as a dimension into the',
    "PostgreSQL warehouse, source and warehouse text forms and canonical texts equal; the Redshift staging read on",
    'the source), `test/integration/type-matrix-cdc.test.ts` (the same table through the real Debezium connector',
    'into cdc pipelines\' targets under every `decimal.handling.mode` and `time.precision.mode`: precise with',
    'adaptive_time_microseconds, string with connect, double with adaptive, each with JSON schemas (every column)',
    'and without (every column but those refused or left out, typed from `columnTypes`); each column\'s output',
    "form equal to the source's, or to what the last column says the setting or Debezium gives instead) and",
    '`test/unit/type-map.test.ts` (the Redshift DDL and staging of every row). A CDC target is typed from',
    "Debezium's message schema: a type it sends as a string is `text` there. The Redshift side is not run against",
    'Redshift itself.',
    '',
    '| type | origin | PostgreSQL warehouse | Redshift | Redshift policy | why | canonical text | type-matrix columns | through Debezium | through Debezium without JSON schemas |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const names = r.names.length > 1 ? ` (${r.names.join(', ')})` : '';
      const cols = columns.get(r.title) ?? [];
      return `| ${cell(r.title + names)} | ${r.origin} | ${cell(postgresSide(r))} | ${cell(redshiftSide(r))} | ${r.policy.redshift} | ${cell(r.policy.reason)} | ${cell(canonicalCell(r))} | ${cols.map((c) => `\`${c}\``).join(', ') || 'none'} | ${cell(r.debezium ?? 'its text form')} | ${cell(schemalessCell(r))} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

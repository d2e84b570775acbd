// Redshift identifier rules. Every identifier is double-quoted, so reserved words (timestamp,
// offset, partition, ...) are safe as names; what quoting cannot fix is refused with a message:
// more than 127 bytes, a double quote inside, or two names that fold to one (Redshift folds ASCII
// letters to lower case even inside quotes, unless enable_case_sensitive_identifier is on).

export const MAX_IDENTIFIER_BYTES = 127;

/** Reserved in Redshift (r_pg_keywords) and plausible as column names; quoted, they still work. */
export const RESERVED = new Set([
  'aes128', 'aes256', 'all', 'allowoverwrite', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'authorization',
  'backup', 'between', 'binary', 'blanksasnull', 'both', 'bytedict', 'bzip2', 'case', 'cast', 'check', 'collate', 'column',
  'constraint', 'create', 'credentials', 'cross', 'current_date', 'current_time', 'current_timestamp', 'current_user',
  'current_user_id', 'default', 'deferrable', 'deflate', 'defrag', 'delta', 'delta32k', 'desc', 'disable', 'distinct', 'do',
  'else', 'emptyasnull', 'enable', 'encode', 'encrypt', 'encryption', 'end', 'except', 'explicit', 'false', 'for', 'foreign',
  'freeze', 'from', 'full', 'globaldict256', 'globaldict64k', 'grant', 'group', 'gzip', 'having', 'identity', 'ignore',
  'ilike', 'in', 'initially', 'inner', 'intersect', 'interval', 'into', 'is', 'isnull', 'join', 'leading', 'left', 'like',
  'limit', 'localtime', 'localtimestamp', 'lun', 'luns', 'lzo', 'lzop', 'minus', 'mostly16', 'mostly32', 'mostly8', 'natural',
  'new', 'not', 'notnull', 'null', 'nulls', 'off', 'offline', 'offset', 'oid', 'old', 'on', 'only', 'open', 'or', 'order',
  'outer', 'overlaps', 'parallel', 'partition', 'percent', 'permissions', 'pivot', 'placing', 'primary', 'raw', 'readratio',
  'recover', 'references', 'respect', 'rejectlog', 'resort', 'restore', 'right', 'select', 'session_user', 'similar',
  'snapshot', 'some', 'sysdate', 'system', 'table', 'tag', 'tdes', 'text255', 'text32k', 'then', 'timestamp', 'to', 'top',
  'trailing', 'true', 'truncatecolumns', 'union', 'unique', 'unnest', 'unpivot', 'user', 'using', 'verbose', 'wallet',
  'when', 'where', 'with', 'without',
]);

/** The name Redshift stores: ASCII letters folded to lower case. */
export function foldName(name: string): string {
  return name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** Why a name cannot be a Redshift identifier, or null when it can. */
export function identifierProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long; Redshift allows at most ${MAX_IDENTIFIER_BYTES}`;
  if (name.includes('"')) return 'contains a double quote, which Redshift identifiers cannot hold';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  return null;
}

/** A quoted Redshift identifier; throws (with `what` in the message) when the name cannot be one. */
export function ident(name: string, what = 'identifier'): string {
  const problem = identifierProblem(name);
  if (problem) throw new Error(`${what} "${name}" ${problem}`);
  return `"${foldName(name)}"`;
}

export function qualified(schema: string, table: string): string {
  return `${ident(schema, 'schema')}.${ident(table, 'table')}`;
}

/** Problems with a set of column names: each one's own, and pairs that fold to the same name. */
export function columnNameProblems(names: string[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  for (const n of names) {
    const p = identifierProblem(n);
    if (p) out.push(`column "${n}" ${p}`);
    const folded = foldName(n);
    const other = seen.get(folded);
    if (other !== undefined) out.push(`columns "${other}" and "${n}" are the same column in Redshift (names fold to lower case)`);
    seen.set(folded, n);
  }
  return out;
}

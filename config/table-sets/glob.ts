// The patterns of a table set: globs on "schema.table", `*` any run of characters, `?` one.
// Case-sensitive, as PostgreSQL's quoted names are.

export function globMatches(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}

/** Whether a set's include and exclude patterns take "schema.table". */
export function inSet(set: { include: readonly string[]; exclude: readonly string[] }, qualified: string): boolean {
  return set.include.some((p) => globMatches(p, qualified)) && !set.exclude.some((p) => globMatches(p, qualified));
}

/** The schemas a set can match, when every include pattern names its schema literally (else null: any schema). */
export function literalSchemas(include: readonly string[]): string[] | null {
  const schemas = include.map((p) => p.slice(0, p.indexOf('.')));
  return schemas.some((s) => /[*?]/.test(s)) ? null : [...new Set(schemas)].sort();
}

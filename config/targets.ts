// Where pipelines write, checked across the whole config: never into Tributary's own tables
// (the ledger, checkpoints, offsets, dead letters: all named tributary_*) or a system schema,
// and never two pipelines into one table (their merges would delete each other's rows; one
// pipeline's regions share a target by design, each keyed by its own source). Pure.

/** Target as [schema, table]: the pipeline's target, else the source table's (or pipeline's) name in the warehouse schema. */
export function resolveTarget(warehouseSchema: string, p: { name: string; target?: string; table?: string }): [string, string] {
  const explicit = p.target ?? (p.table !== undefined ? p.table.split('.').pop()! : p.name);
  const parts = explicit.split('.');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : [warehouseSchema, parts[0]!];
}

/** Tributary's own state tables all carry this prefix. */
const OWN_TABLE = /^tributary_/i;
/** PostgreSQL's and Redshift's catalogs: pg_catalog, pg_toast, pg_internal, information_schema. */
const SYSTEM_SCHEMA = /^(pg_|information_schema$)/i;

/** Why a resolved target is refused, or undefined. */
export function reservedTargetProblem([schema, table]: [string, string]): string | undefined {
  if (SYSTEM_SCHEMA.test(schema)) return `expected a target outside the system schema "${schema}", got "${schema}.${table}"`;
  if (OWN_TABLE.test(table)) return `expected a target that is not one of Tributary's own tables (tributary_*: ledger, checkpoints, offsets, dead letters), got "${schema}.${table}"`;
  return undefined;
}

/** For each pipeline after the first on a target: its index and the pipeline that already writes there. */
export function sharedTargets(targets: readonly { name: string; target: [string, string] }[]): { index: number; first: string; table: string }[] {
  const owner = new Map<string, string>();
  const out: { index: number; first: string; table: string }[] = [];
  targets.forEach(({ name, target }, index) => {
    const table = target.join('.').toLowerCase();
    const first = owner.get(table);
    if (first !== undefined && first !== name) out.push({ index, first, table: target.join('.') });
    else owner.set(table, name);
  });
  return out;
}

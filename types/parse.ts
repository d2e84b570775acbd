// A PostgreSQL column type as format_type prints it ("numeric(12,2)", "timestamp(3) with time
// zone", "text[]"), parsed into its base name, modifiers, zone and array depth. Pure.

export interface PgType {
  /** Lower-case base name, e.g. "numeric", "character varying", "geometry". */
  base: string;
  /** The modifiers in parentheses, trimmed; undefined without parentheses. */
  mods: string[] | undefined;
  /** " with time zone" / " without time zone" as written, or undefined. */
  zone: 'with' | 'without' | undefined;
  /** Array brackets: 0 for a scalar. PostgreSQL does not enforce the count, so any >0 is an array. */
  dims: number;
}

const SHAPE = /^([a-z_][a-z0-9_]*(?: (?:precision|varying))?)(?:\(([^()]*)\))?( with(?:out)? time zone)?((?:\[\])*)$/;

/** Spaces folded and lower-cased as format_type writes it; null when it is no type name at all. */
export function parsePgType(type: string): PgType | null {
  const m = SHAPE.exec(type.trim().toLowerCase().replace(/\s+/g, ' ').replace(/ \(/, '(').replace(/ \[/g, '['));
  if (!m) return null;
  const [, base, mods, zone, brackets] = m as unknown as [string, string, string | undefined, string | undefined, string];
  return {
    base,
    mods: mods === undefined ? undefined : mods.split(',').map((a) => a.trim()),
    zone: zone === undefined ? undefined : zone.includes('without') ? 'without' : 'with',
    dims: brackets.length / 2,
  };
}

/** The type written back as format_type would, e.g. for DDL. */
export function formatPgType(t: PgType): string {
  const mods = t.mods ? `(${t.mods.join(',')})` : '';
  const zone = t.zone ? ` ${t.zone} time zone` : '';
  return `${t.base}${mods}${zone}${'[]'.repeat(t.dims)}`;
}

/** The element type of an array type (the type itself for a scalar). */
export const elementOf = (t: PgType): PgType => ({ ...t, dims: 0 });

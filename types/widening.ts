// A column retyped at the source: can the target's type hold every value of the new one, and if
// not, which type of the target would (a widening the warehouse can apply in place)? Without
// this a numeric(10,2) target silently rounds what a numeric(14,4) source now holds. Pure, on
// PostgreSQL's format_type names. Text holds every type's text form, so any type widens to text;
// a timestamp widens to timestamptz (its values read as UTC, the zone Debezium and the stage give them).

const INTEGERS = ['smallint', 'integer', 'bigint'];

interface Numeric {
  precision: number | null;
  scale: number;
}

function numeric(t: string): Numeric | null {
  if (t === 'numeric') return { precision: null, scale: 0 };
  const m = /^numeric\((\d+)(?:,(\d+))?\)$/.exec(t);
  return m ? { precision: Number(m[1]), scale: Number(m[2] ?? 0) } : null;
}

const varchar = (t: string): number | null | undefined => {
  if (t === 'text' || t === 'character varying') return null;
  const m = /^character varying\((\d+)\)$/.exec(t);
  return m ? Number(m[1]) : undefined;
};

/** char(n)'s length; null for another type. Values are compared without their padding, so a longer char(n) holds a shorter one's. */
const character = (t: string): number | null => {
  const m = /^character\((\d+)\)$/.exec(t);
  return m ? Number(m[1]) : null;
};

/** The element type of an array type; null for a scalar. */
const elementOf = (t: string): string | null => (t.endsWith('[]') ? t.slice(0, -2) : null);

/** Integer digits a numeric(p,s) holds; an integer type's, as numeric. */
const integerDigits: Record<string, number> = { smallint: 5, integer: 10, bigint: 19 };

/** Does a target column of type `target` hold every value of `source` exactly? */
export function holds(target: string, source: string): boolean {
  if (target === source) return true;
  if (target === 'text') return true;
  const [te, se] = [elementOf(target), elementOf(source)];
  if (te !== null || se !== null) return te !== null && se !== null && holds(te, se);
  const [tc, sc] = [character(target), character(source)];
  if (tc !== null) return sc !== null && sc <= tc;
  const tn = numeric(target);
  if (tn) {
    if (tn.precision === null) return numeric(source) !== null || INTEGERS.includes(source);
    const sn = numeric(source);
    if (sn) return sn.precision !== null && sn.scale <= tn.scale && sn.precision - sn.scale <= tn.precision - tn.scale;
    const digits = integerDigits[source];
    return digits !== undefined && digits <= tn.precision - tn.scale;
  }
  if (INTEGERS.includes(target) && INTEGERS.includes(source)) return INTEGERS.indexOf(source) <= INTEGERS.indexOf(target);
  if (target === 'double precision') return source === 'real' || source === 'smallint' || source === 'integer';
  const tv = varchar(target);
  if (tv !== undefined) {
    const sv = varchar(source);
    if (sv !== undefined) return tv === null || (sv !== null && sv <= tv);
    return false;
  }
  const ts = /^(timestamp|time)\((\d)\) (with|without) time zone$/.exec(target);
  const ss = /^(timestamp|time)(?:\((\d)\))? (with|without) time zone$/.exec(source);
  if (ts && ss && ts[1] === ss[1] && ts[3] === ss[3]) return Number(ss[2] ?? 6) <= Number(ts[2]);
  return false;
}

/**
 * The type to change the target to, so it holds both its old values and the source's new ones;
 * null when there is no such widening (the change needs a person).
 */
export function widened(target: string, source: string): string | null {
  if (source === 'text') return 'text';
  const [te, se] = [elementOf(target), elementOf(source)];
  if (te !== null || se !== null) {
    const to = te !== null && se !== null ? widened(te, se) : null;
    // A timestamp array gains no zone in place: its cast would read the session's zone, not UTC.
    return to === null || (to.endsWith('with time zone') && te!.endsWith('without time zone')) ? null : `${to}[]`;
  }
  const [tc, sc] = [character(target), character(source)];
  if (tc !== null && sc !== null) return `character(${Math.max(tc, sc)})`;
  const tn = numeric(target);
  const sn = numeric(source);
  if (tn && sn) {
    if (tn.precision === null || sn.precision === null) return 'numeric';
    const scale = Math.max(tn.scale, sn.scale);
    const digits = Math.max(tn.precision - tn.scale, sn.precision - sn.scale);
    return digits + scale > 1000 ? 'numeric' : `numeric(${digits + scale},${scale})`;
  }
  if (tn && INTEGERS.includes(source)) return tn.precision === null ? 'numeric' : `numeric(${Math.max(tn.precision - tn.scale, integerDigits[source]!) + tn.scale},${tn.scale})`;
  if (INTEGERS.includes(target) && (INTEGERS.includes(source) || sn)) return sn ? widened(`numeric(${integerDigits[target]},0)`, source) : source;
  if (target === 'real' && (source === 'double precision' || source === 'real')) return 'double precision';
  const tv = varchar(target);
  const sv = varchar(source);
  if (tv !== undefined && sv !== undefined) return tv === null || sv === null ? 'text' : `character varying(${Math.max(tv, sv)})`;
  const ts = /^(timestamp|time)(?:\((\d)\))? (with|without) time zone$/.exec(target);
  const ss = /^(timestamp|time)(?:\((\d)\))? (with|without) time zone$/.exec(source);
  if (ts && ss && ts[1] === ss[1] && ts[3] === ss[3]) return `${ts[1]} ${ts[3]} time zone`;
  if (ts && ss && ts[1] === 'timestamp' && ss[1] === 'timestamp' && ts[3] === 'without' && ss[3] === 'with') {
    return 'timestamp with time zone';
  }
  return null;
}

// A batch whose column types differ from its target's (a column retyped at the source, or a topic
// column's type changed in the config): which target columns to widen before the rows land, or
// why the merge must stop. The same rule for every kind and dialect. A type the target already
// holds changes nothing (a source narrowed: every new value fits). Otherwise `widen` widens to the
// type that holds both, when there is one; `fail` refuses. A change no type holds both sides of
// always fails: a value is never rounded, cut or converted to fit. Pure.
import { badInput } from '../errors.js';
import { holds, widened } from '../../types/widening.js';
import type { ColumnSpec } from '../specs/columns.js';
import type { TypeChangePolicy } from '../specs/merge-specs.js';

/** One target column to widen in place: from the type it has to the one that holds both. */
export interface Retype {
  name: string;
  from: string;
  to: string;
}

/**
 * The widenings the batch needs, given the target's column types by name (a column the target
 * lacks is the new-column policy's). `where` names pipeline, region, source and table;
 * `batchSide` says what the batch's type is ("at the source", "in the config").
 */
export function retypes(columns: readonly ColumnSpec[], target: ReadonlyMap<string, string>, policy: TypeChangePolicy, where: string, batchSide: string): Retype[] {
  const out: Retype[] = [];
  for (const c of columns) {
    const now = target.get(c.name);
    if (now === undefined || holds(now, c.type)) continue;
    const is = c.sourceType ? `${c.sourceType} (kept as ${c.type})` : c.type;
    const to = widened(now, c.type);
    if (to === null) {
      throw badInput(
        `${where}: column ${c.name} is ${is} ${batchSide}, but the target keeps it as ${now}, which cannot hold every value of it, and no type holds both; change the target column by hand`,
      );
    }
    if (policy === 'fail') {
      throw badInput(
        `${where}: column ${c.name} is ${is} ${batchSide}, but the target keeps it as ${now}, which cannot hold every value of it, and the pipeline's onTypeChange policy is "fail"; widen the target column to ${to} by hand, or set onTypeChange: widen`,
      );
    }
    out.push({ name: c.name, from: now, to });
  }
  return out;
}

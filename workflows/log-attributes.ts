// Which fields of a workflow's or an activity's input name what it works on, for log lines.
// Pure: the workflow bundle imports it as well as the worker.

const FIELDS = ['pipeline', 'region', 'source', 'cell'] as const;

/** pipeline/region/source/cell from an input object or its `unit` (a staged batch); strings only. */
export function logAttributes(arg: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!arg || typeof arg !== 'object') return out;
  const unit = (arg as { unit?: unknown }).unit;
  for (const from of [unit, arg]) {
    if (!from || typeof from !== 'object') continue;
    for (const f of FIELDS) {
      const v = (from as Record<string, unknown>)[f];
      if (typeof v === 'string' && !(f in out)) out[f] = v;
    }
  }
  return out;
}

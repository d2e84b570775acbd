// Work units grouped by their source server or cell cluster, in plan order. Pure; shared by the
// workflows and the planner.

export function bySource<T extends { source: string }>(units: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const u of units) {
    const list = out.get(u.source);
    if (list) list.push(u);
    else out.set(u.source, [u]);
  }
  return out;
}

// Work units grouped by their source server or cell cluster, in plan order, and taken from the
// sources in turn. Pure; shared by the workflows and the planners.

export function bySource<T extends { source: string }>(units: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const u of units) {
    const list = out.get(u.source);
    if (list) list.push(u);
    else out.set(u.source, [u]);
  }
  return out;
}

/**
 * The first unit of each source, then the second of each…, each source's own order kept: bounded
 * extracts, started in this order, serve every source (cell cluster) from the start, so each
 * source's merges can begin while the others still extract.
 */
export function roundRobin<T extends { source: string }>(units: readonly T[]): T[] {
  const lists = [...bySource(units).values()];
  const out: T[] = [];
  for (let k = 0; out.length < units.length; k++) {
    for (const list of lists) if (k < list.length) out.push(list[k]!);
  }
  return out;
}

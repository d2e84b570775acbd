// Field paths into a JSON message, as the config writes them: "user.id", "items[0].sku",
// optionally "$."-prefixed. Parsed once per pipeline, then walked per message.

export type PathStep = string | number;

export function parsePath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  const body = path.startsWith('$.') ? path.slice(2) : path;
  for (const segment of body.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(segment);
    if (!m) throw new Error(`"${path}" is not a field path like "user.id" or "items[0].sku"`);
    steps.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(idx[1]));
  }
  return steps;
}

/** The value at the path, or undefined when any step is missing (a null on the way counts as missing). */
export function valueAt(root: unknown, steps: readonly PathStep[]): unknown {
  let cur = root;
  for (const step of steps) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step];
    } else {
      if (Array.isArray(cur) || !Object.hasOwn(cur, step)) return undefined;
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return cur;
}

// A seeded generator (mulberry32, exact 32-bit arithmetic): the kill moments and the source
// writes follow from the seed, so a failing run is replayed by passing its seed again.
export interface Random {
  /** In [0, 1). */
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  /** An independent generator derived from this one (one per writer, so their draws do not interleave). */
  fork(): Random;
}

export function seeded(seed: number): Random {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const r: Random = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    fork: () => seeded(Math.floor(next() * 2 ** 32)),
  };
  return r;
}

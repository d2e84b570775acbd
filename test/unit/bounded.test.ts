import { expect, it } from 'vitest';
import { boundedMap } from '../../workflows/bounded.js';

it('runs at most `limit` at once and keeps the order of results', async () => {
  let running = 0;
  let peak = 0;
  const out = await boundedMap([5, 1, 4, 2, 3], 2, async (n, i) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, n * 3));
    running--;
    return n * 10 + i;
  });
  expect(out).toEqual([50, 11, 42, 23, 34]);
  expect(peak).toBe(2);
});

it('handles no items and a limit above the item count', async () => {
  expect(await boundedMap([], 4, () => Promise.resolve(1))).toEqual([]);
  expect(await boundedMap([1], 8, (n) => Promise.resolve(n + 1))).toEqual([2]);
});

it('fails when one item fails', async () => {
  await expect(boundedMap([1, 2], 2, (n) => (n === 2 ? Promise.reject(new Error('boom')) : Promise.resolve(n)))).rejects.toThrow('boom');
});

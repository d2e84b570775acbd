// docs/types.md is generated from the type map (test/types-doc.ts): it fails while the file differs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TYPES_DOC, typesDoc } from '../types-doc.js';
import { CLASS_ROWS, TYPE_ROWS } from '../../types/type-map.js';

describe('docs/types.md', () => {
  it('is what `npm run docs:types` writes from the type map', () => {
    expect(readFileSync(TYPES_DOC, 'utf8'), 'docs/types.md is stale: run npm run docs:types').toBe(typesDoc());
  });

  it('has a row of every type of the map, each with its type-matrix columns', () => {
    const doc = typesDoc();
    for (const r of [...TYPE_ROWS, ...Object.values(CLASS_ROWS)]) expect(doc, r.title).toContain(`| ${r.title.replace(/\|/g, '\\|')}`);
    // The type-matrix columns are the eighth cell.
    const rowsWithoutColumns = doc.split('\n').filter((l) => l.startsWith('| ') && l.split(' | ')[7] === 'none');
    // Only the catch-all row has no column of its own (no extension outside the map is installed).
    expect(rowsWithoutColumns.map((l) => l.split(' | ')[0])).toEqual([`| ${CLASS_ROWS.other.title}`]);
  });
});

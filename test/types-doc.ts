// Writes docs/types.md from the type map (types/docs.ts), naming each row's type-matrix
// columns; test/unit/types-doc.test.ts fails while the file differs. `npm run docs:types`.
import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { typesMarkdown } from '../types/docs.js';
import { matrixColumns } from './integration/type-matrix-columns.js';

export const TYPES_DOC = fileURLToPath(new URL('../docs/types.md', import.meta.url));

/** docs/types.md as the map renders it. */
export function typesDoc(): string {
  const byRow = new Map<string, string[]>();
  for (const [name, , row] of matrixColumns('t').columns) byRow.set(row, [...(byRow.get(row) ?? []), name]);
  return typesMarkdown(byRow);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) writeFileSync(TYPES_DOC, typesDoc());

// Table sets: the pure expansion of a set against server catalogs (docs/table-sets.md). The
// catalog read (activities/catalog/read-catalog.ts) and the ledger that keeps what apply read
// (activities/catalog/catalog-store.ts) are the I/O around it.
export type { CatalogColumn, CatalogTable, ServerCatalog } from './catalog.js';
export { qualifiedName } from './catalog.js';
export type { AbsentTable, ExpandedTable, LeftOut, SetExpansion } from './expansion.js';
export { expandTableSet, overrideFor, targetOf, type SetContext } from './expand-set.js';
export { expandConfig, setContext, type ConfigExpansion } from './expand-config.js';
export { globMatches, inSet, literalSchemas } from './glob.js';
export { tableSetPipelineName } from './pipeline-name.js';
export { tableShape, type TableShape } from './table-rules.js';

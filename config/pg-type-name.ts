// CDC's `columnTypes` (messages without JSON schemas) are checked against the type map
// (types/type-name.ts), never taken as free text, since they end up in the warehouse's DDL.
export { pgTypeProblem } from '../types/type-name.js';

// CDC's `columnTypes` (messages without JSON schemas) and a topic's column types are checked
// against the type map (types/type-name.ts, types/topic-type.ts), never taken as free text,
// since they end up in the warehouse's DDL.
export { pgTypeProblem } from '../types/type-name.js';
export { topicTypeProblem } from '../types/topic-type.js';

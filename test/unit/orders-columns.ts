// The orders table the SQL builders' tests render: a key, a mixed-case column (it must be
// quoted wherever it appears) and the watermark.
import type { ColumnSpec } from '../../activities/specs/columns.js';

export const ORDERS_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'Note', type: 'text' },
  { name: 'updated_at', type: 'timestamp with time zone' },
];

// The columns a CDC batch stages and a CDC target keeps besides the row's own, shared by the
// Debezium extract and the warehouse dialects. Pure.
import type { ColumnSpec } from './columns.js';
import { LINEAGE_COLUMNS, SOFT_DELETE_COLUMNS } from './merge-specs.js';

/**
 * Staged after the row's columns: what to do, the version, the commit time, where missing TOAST
 * values live, and for a streamed change the partition whose snapshot epoch in the ledger bounds
 * its version from below (null for a snapshot read: its version is the snapshot's point).
 * Batches staged before _partition existed lack it (see stagedMeta).
 */
export const CDC_STAGED_META: ColumnSpec[] = [
  { name: '_op', type: 'text' },
  { name: '_lsn', type: 'numeric(20)' },
  { name: '_source_ts', type: 'timestamp with time zone' },
  { name: '_missing', type: 'jsonb' },
  { name: '_partition', type: 'integer' },
];

/** The meta columns a staged batch's files hold, in file order (older batches lack the later ones). */
export function stagedMeta(stagedColumns: readonly ColumnSpec[] | undefined): ColumnSpec[] {
  const names = new Set((stagedColumns ?? []).map((c) => c.name));
  const present = CDC_STAGED_META.filter((c) => names.has(c.name));
  return present.length > 0 ? present : CDC_STAGED_META;
}

/** On the target besides the row's columns and lineage: the LSN version guard and the commit time. */
export const CDC_TARGET_META: ColumnSpec[] = [
  { name: '_lsn', type: 'numeric(20) NOT NULL' },
  { name: '_source_ts', type: 'timestamp with time zone' },
];

/** Names a captured table's own columns may not have: the staged meta, soft-delete and lineage columns. */
export const CDC_RESERVED = new Set([...CDC_STAGED_META, ...SOFT_DELETE_COLUMNS, ...LINEAGE_COLUMNS].map((c) => c.name));

// What Debezium's source.snapshot says about where a snapshot read sits in its snapshot: the
// connector marks the first and the last row of each table's snapshot ("first" and "last" for the
// first and last row of the whole snapshot, "first_in_data_collection" and
// "last_in_data_collection" for those of each further table); every other blocking-snapshot row is
// "true", and incremental (chunked) snapshot rows are "incremental". Pure.

/** The start or end of a table's blocking snapshot; null for any other event. */
export type SnapshotMark = 'first' | 'last' | null;

export function snapshotMark(value: unknown): SnapshotMark {
  if (value === 'first' || value === 'first_in_data_collection') return 'first';
  if (value === 'last' || value === 'last_in_data_collection') return 'last';
  return null;
}

/** Whether source.snapshot says the event is a snapshot read at all ("false", false or absent while streaming). */
export function isSnapshot(value: unknown): boolean {
  return value !== undefined && value !== null && value !== 'false' && value !== false;
}

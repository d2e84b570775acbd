// How large a backfill plan may grow.

/** Chunks a plan may hold: it travels through history with every continue-as-new. */
export const MAX_CHUNKS = 20_000;

// Heartbeats on a timer while one long statement runs (it cannot report progress itself), so a
// dead worker is noticed within the heartbeat timeout while history stays small.
import { Context } from '@temporalio/activity';

export const HEARTBEAT_EVERY_MS = 2_000;

/**
 * The activity around a merge, for dialects whose merge outlives one attempt (Redshift: the
 * statement keeps running server-side). `details` are the last heartbeat details of the previous
 * attempt; `heartbeat` records new ones (it must not be overwritten by detail-less heartbeats).
 */
export interface MergeActivity {
  details?: unknown;
  heartbeat(details: unknown): void;
}

/**
 * `fn` may record heartbeat details (a Redshift statement id) through the MergeActivity it gets;
 * the timer then resends them instead of blanking them, and a retried attempt finds them in
 * `activity.details`.
 */
export async function whileHeartbeating<T>(fn: (activity: MergeActivity) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  let last: unknown = ctx.info.heartbeatDetails;
  const activity: MergeActivity = {
    details: ctx.info.heartbeatDetails,
    heartbeat(details) {
      last = details;
      ctx.heartbeat(details);
    },
  };
  const timer = setInterval(() => ctx.heartbeat(last), HEARTBEAT_EVERY_MS);
  try {
    return await fn(activity);
  } finally {
    clearInterval(timer);
  }
}

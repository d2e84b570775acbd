// Planning one source server or cluster of a run. A transient error (the source restarting, a
// lost connection) is tried again in place after a short pause, a few times, so a restart during
// planning costs the run seconds instead of that source's part of it; a deterministic one (bad
// input, a privilege, an unknown host) is reported at once. Reported, the source is left out of
// this run and the other sources are still planned; without a reporter the error fails the plan.
import { setTimeout as sleep } from 'node:timers/promises';
import { transientError } from '../error-class.js';

/** Pauses before each new attempt: about half a minute in all, more than a server's restart takes. */
export const PLAN_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 15_000];

export async function planSource<T>(
  source: string,
  plan: () => Promise<T>,
  onSourceError: ((source: string, err: unknown) => void) | undefined,
  delaysMs: readonly number[] = PLAN_RETRY_DELAYS_MS,
): Promise<{ planned: T } | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { planned: await plan() };
    } catch (err) {
      if (attempt < delaysMs.length && transientError(err)) {
        await sleep(delaysMs[attempt]);
        continue;
      }
      if (!onSourceError) throw err;
      onSourceError(source, err);
      return undefined;
    }
  }
}

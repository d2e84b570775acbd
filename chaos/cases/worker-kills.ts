// Case 1: the worker process SIGKILLed again and again at seeded random moments while all four
// pipelines run and their sources keep changing. Each kill aims at one pipeline kind in turn: it
// waits a random while, then until that kind's run has an activity started, and kills; what was
// in flight at that moment (every kind's activities) is recorded. A new worker starts at once;
// Temporal retries the killed activities on it after their heartbeat timeout.
import type { CaseContext, Injected } from '../case-env.js';
import { KINDS, type Kind } from '../lab.js';
import { activitiesInFlight } from '../runs.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const WORKER_KILLS = {
  name: 'worker-sigkill',
  description:
    'The region us worker process is SIGKILLed at seeded random moments, each kill aimed in turn at a run of the fact, dimension, topic or cdc pipeline ' +
    'with an activity in flight, while fact inserts commit late, dimension rows are inserted, updated and deleted, JSON messages are produced to both us ' +
    'cell clusters and DML runs on the Debezium-captured table. A new worker starts after each kill. Then the writes stop, the pipelines run until ' +
    'quiescent and each is compared with its source.',
  heartbeatTimeoutSeconds: 3,
};

export function workerKills(kills: number) {
  return async (ctx: CaseContext): Promise<Injected> => {
    const detail: unknown[] = [];
    const hits: Partial<Record<Kind, number>> = {};
    const offset = ctx.random.int(0, KINDS.length - 1);
    for (let i = 0; i < kills; i++) {
      const target = KINDS[(i + offset) % KINDS.length]!;
      const delayMs = ctx.random.int(200, 2_500);
      await sleep(delayMs);
      const aimed = Date.now();
      const pid = ctx.worker.pid;
      let inFlight = await activitiesInFlight(ctx.loops, pid);
      while (!inFlight[target] && Date.now() - aimed < 15_000) {
        await sleep(50);
        inFlight = await activitiesInFlight(ctx.loops, pid);
      }
      const waitedMs = Date.now() - aimed;
      await ctx.worker.kill();
      for (const k of Object.keys(inFlight) as Kind[]) hits[k] = (hits[k] ?? 0) + 1;
      const restart = Date.now();
      await ctx.worker.start();
      const workerStartMs = Date.now() - restart;
      detail.push({ kill: i + 1, aimedAt: target, delayMs, waitedMs, inFlight, workerStartMs });
      ctx.log(`kill ${i + 1}/${kills} aimed at ${target} after ${delayMs} + ${waitedMs} ms; in flight: ${JSON.stringify(inFlight)}; next worker up in ${workerStartMs} ms`);
    }
    const missed = KINDS.filter((k) => !hits[k]);
    return {
      faults: { 'worker SIGKILL': kills },
      hitsByPipelineKind: hits,
      detail,
      ...(missed.length > 0 ? { notes: [`no kill caught an activity of: ${missed.join(', ')}`] } : {}),
    };
  };
}

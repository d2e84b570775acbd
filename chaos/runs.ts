// Runs started through Temporal, one after another per pipeline, for as long as a case lasts:
// the way schedules drive pipelines, without waiting for a schedule. A run that fails is what the
// suite looks for; a client call that fails because Temporal itself is down is tried again.
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { startPipeline } from '../client/run-pipeline.js';
import { syncWorkflowId } from '../names/temporal-ids.js';
import { KINDS, type Kind, type Lab } from './lab.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunStats {
  completed: number;
  failed: number;
  /** Why runs failed (the first few). */
  errors: string[];
}

/** What a run that does not end is waiting for: its pending activities, their attempts and last failures. */
async function pendingSummary(handle: WorkflowHandle): Promise<string> {
  try {
    const d = await handle.describe();
    const pending = (d.raw.pendingActivities ?? []).map(
      (a) => `${a.activityType?.name ?? '?'} attempt ${a.attempt ?? '?'}${a.lastFailure?.message ? ` (last failure: ${a.lastFailure.message.slice(0, 300)})` : ''}`,
    );
    return pending.length > 0 ? pending.join('; ') : 'no pending activity';
  } catch (err) {
    return `not described: ${(err as Error).message}`;
  }
}

/**
 * Waits for the run's end; true if it completed. Connection errors (Temporal restarting) are waited
 * out. A run still going at `giveUpAt()` is terminated and counted failed, with what it waited for.
 */
export async function awaitRun(handle: WorkflowHandle, stats: RunStats, giveUpAt: () => number = () => Date.now() + 15 * 60_000): Promise<boolean> {
  const fail = (why: string) => {
    stats.failed++;
    if (stats.errors.length < 5) stats.errors.push(`${handle.workflowId}: ${why}`);
    return false;
  };
  const follow = () =>
    handle.result().then(
      () => 'completed' as const,
      (err: unknown) => err,
    );
  let waiting = follow();
  for (;;) {
    const outcome = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('check'), 2_000))]);
    if (outcome === 'completed') {
      stats.completed++;
      return true;
    }
    if (outcome instanceof WorkflowFailedError || outcome instanceof WorkflowNotFoundError) {
      return fail(`${outcome.message}${outcome instanceof WorkflowFailedError && outcome.cause ? `: ${outcome.cause.message}` : ''}`);
    }
    if (Date.now() > giveUpAt()) {
      const pending = await pendingSummary(handle);
      await handle.terminate('tributary chaos suite: the run did not end in time').catch(() => undefined);
      return fail(`did not end in time, terminated; it was waiting on: ${pending}`);
    }
    if (outcome !== 'check') {
      // A connection error while Temporal restarts: follow the run again.
      await sleep(1_000);
      waiting = follow();
    }
  }
}

/** Starts a run, trying again while Temporal does not answer. */
export async function startRun(client: Client, lab: Lab, kind: Kind, maxWaitMs = 10 * 60_000): Promise<WorkflowHandle> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    try {
      return await startPipeline(client, lab.config, lab.pipeline[kind], 'us');
    } catch (err) {
      // Started after all (the answer got lost while Temporal restarted): follow that run.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(syncWorkflowId(lab.config, lab.pipeline[kind], 'us'));
      if (Date.now() > deadline) throw err;
      await sleep(1_000);
    }
  }
}

export class RunLoops {
  readonly stats = Object.fromEntries(KINDS.map((k): [Kind, RunStats] => [k, { completed: 0, failed: 0, errors: [] }])) as Record<Kind, RunStats>;
  /** The run in flight (or last finished) per pipeline. */
  readonly current: Partial<Record<Kind, WorkflowHandle>> = {};
  private stopping = false;
  private paused = false;
  private stoppedAt = Infinity;
  private readonly loops: Promise<void>[];

  constructor(private readonly client: Client, private readonly lab: Lab) {
    this.loops = KINDS.map((k) => this.loop(k));
  }

  private async loop(kind: Kind): Promise<void> {
    while (!this.stopping) {
      if (this.paused) {
        await sleep(100);
        continue;
      }
      const handle = await startRun(this.client, this.lab, kind);
      this.current[kind] = handle;
      const started = Date.now();
      // A run may take long while faults land; once the case stops, 5 more minutes at most.
      await awaitRun(handle, this.stats[kind], () => Math.min(started + 15 * 60_000, this.stoppedAt + 5 * 60_000));
      await sleep(300);
    }
  }

  /**
   * Starts no new run until resume() (runs in flight go on): while a service is down, a run that
   * starts then fails at planning on purpose, naming the source; what must survive is a run in flight.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Runs completed so far, all pipelines together. */
  completed(): number {
    return KINDS.reduce((n, k) => n + this.stats[k].completed, 0);
  }

  /** Resolves once every pipeline has completed `n` more runs than now (or one failed meanwhile). */
  async eachCompletes(n: number, timeoutMs: number): Promise<boolean> {
    const base = KINDS.map((k) => this.stats[k].completed + this.stats[k].failed);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (KINDS.every((k, i) => this.stats[k].completed + this.stats[k].failed >= base[i]! + n)) return true;
      await sleep(250);
    }
    return false;
  }

  /** No new runs; waits for the ones in flight to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stoppedAt = Date.now();
    await Promise.all(this.loops);
  }
}

/**
 * Activity types started (not just scheduled) right now in the run of each kind; with `workerPid`,
 * only those held by that worker process (its identity is "<pid>@<host>"), not attempts of a worker
 * already killed whose heartbeat timeout has not passed yet.
 */
export async function activitiesInFlight(loops: RunLoops, workerPid?: number): Promise<Partial<Record<Kind, string[]>>> {
  const out: Partial<Record<Kind, string[]>> = {};
  await Promise.all(
    KINDS.map(async (k) => {
      const h = loops.current[k];
      if (!h) return;
      try {
        const d = await h.describe();
        if (d.status.name !== 'RUNNING') return;
        const started = (d.raw.pendingActivities ?? [])
          .filter((a) => String(a.state) === '2' /* STARTED */ && (workerPid === undefined || (a.lastWorkerIdentity ?? '').startsWith(`${workerPid}@`)))
          .map((a) => a.activityType?.name ?? '?');
        if (started.length > 0) out[k] = started;
      } catch {
        // Temporal not answering: nothing known in flight.
      }
    }),
  );
  return out;
}

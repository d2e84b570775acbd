// The limit of concurrent merges per Redshift workgroup or cluster, across all pipelines.
//
// "Across" means two things:
// - Inside one worker process, a semaphore per workgroup/cluster shared by every pipeline and
//   region the process serves: never more than maxConcurrentMerges merges in flight from it.
// - Across worker processes (pods), before submitting, a worker counts the merge statements in
//   flight on the workgroup/cluster (ListStatements by statement-name prefix, at role level, so
//   statements of every worker sharing the IAM role are seen) and waits while the count is at the
//   limit. That check is not atomic: two workers may both see room at the same instant, so the
//   limit can be passed briefly by at most one merge per racing worker. Redshift's own queue and
//   ActiveStatementsExceeded (retried) absorb that; the in-process part is exact.

export interface Release {
  (): void;
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(public limit: number) {}

  async acquire(): Promise<Release> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }

  get inFlight(): number {
    return this.active;
  }
}

const registry = new Map<string, Semaphore>();

/** The process-wide semaphore of one workgroup or cluster (the smallest configured limit wins). */
export function processLimit(targetId: string, limit: number): Semaphore {
  let s = registry.get(targetId);
  if (!s) registry.set(targetId, (s = new Semaphore(limit)));
  s.limit = Math.min(s.limit, limit);
  return s;
}

export interface MergeLimitOptions {
  targetId: string;
  limit: number;
  /** Merges in flight on the warehouse from every worker (Data API ListStatements). */
  activeOnWarehouse(): Promise<number>;
  sleep(ms: number): Promise<void>;
  /** Called while waiting, so the activity keeps heartbeating. */
  onWait?(): void;
  waitMs?: number;
}

/** Waits for a slot in this process, then for room on the warehouse; returns the release. */
export async function acquireMergeSlot(o: MergeLimitOptions): Promise<Release> {
  const release = await processLimit(o.targetId, o.limit).acquire();
  try {
    for (let i = 0; (await o.activeOnWarehouse()) >= o.limit; i++) {
      o.onWait?.();
      await o.sleep(Math.min(30_000, (o.waitMs ?? 1_000) * 2 ** Math.min(i, 5)));
    }
    return release;
  } catch (err) {
    release();
    throw err;
  }
}

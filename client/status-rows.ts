// Pure: one status row per pipeline, region and source server, from what the warehouse ledger
// and Temporal say. `now` is an input, so the numbers are exact in tests.
import type { RunCounts } from './ledger.js';

/** continuous: a CDC pipeline's continuous workflow applies it (its schedule is paused meanwhile). */
export type PipelineState = 'continuous' | 'running' | 'paused' | 'failed' | 'ok' | 'never run';

/** What Temporal knows of one pipeline x region. */
export interface TemporalFacts {
  /** Undefined: no schedule (run `tributary apply`). */
  schedulePaused?: boolean;
  running?: { workflowId: string; startTime: string };
  /** The continuous CDC workflow of this pipeline and region, while it runs. */
  continuous?: { workflowId: string; startTime: string };
  lastSuccess?: { runId: string; closeTime: string };
  /** The latest closed run, when it did not complete. */
  lastFailure?: { closeTime: string; status: string; message: string };
}

/** What the ledger and the source know of one source server. */
export interface SourceFacts {
  source: string;
  cell?: string;
  /** Facts and incremental dimensions: everything below it is in the warehouse. */
  checkpoint?: string;
  /** When the source's last batch committed. */
  lastBatch?: string;
  /** Rows the last successful run read from this source. */
  lastRunRows?: number;
  /** What the last successful run's batches counted at this source (its ledger rows). */
  lastRunCounts?: RunCounts;
  /** The newest watermark at the source (facts). */
  sourceHigh?: string | null;
  /** Kafka-fed pipelines: messages on the cluster not yet in the warehouse (see offsetLag). */
  lagMessages?: number;
  /** The source could not be read; the rest of the row still shows. */
  sourceError?: string;
  /** The last plan's warning (rows stamped in the future). */
  warning?: string;
}

export interface StatusRow {
  pipeline: string;
  region: string;
  kind: string;
  source: string;
  cell: string | null;
  /** The last run that completed, or else the last batch that committed (ISO time). */
  lastSuccess: string | null;
  rows: number | null;
  /** The last run's counts at this source: read, and where each row went. */
  counts: RunCounts | null;
  /** Seconds between now and the newest data known to be in the warehouse. */
  freshnessSeconds: number | null;
  /** Seconds of source data not yet in the warehouse (newest at the source minus the checkpoint). */
  lagSeconds: number | null;
  /** Topic and CDC pipelines: messages of the cluster's topic not yet in the warehouse. */
  lagMessages: number | null;
  state: PipelineState;
  /** The pipeline's freshness SLO in seconds, and "ok" or "breached since <time>" (null: freshness unknown); client/status-slo.ts. */
  sloSeconds?: number;
  slo?: string | null;
  schedule: 'active' | 'paused' | 'missing';
  /** Why the state is failed, or what could not be read. */
  detail?: string;
  /** Managed CDC: the replication slot and connector this pipeline depends on (client/capture-health.ts). */
  capture?: {
    slot: string;
    connector: string;
    slotActive: boolean | null;
    retainedWalBytes: number | null;
    connectorState: string | null;
    taskStates: string[];
  };
}

const seconds = (later: number, earlier: number) => Math.max(0, Math.round((later - earlier) / 1000));

/** `lastSuccess`: the last completed run, or else the last committed batch (Temporal may have dropped old runs). */
export function stateOf(t: TemporalFacts, lastSuccess: string | null = t.lastSuccess?.closeTime ?? null): PipelineState {
  if (t.continuous) return 'continuous';
  if (t.running) return 'running';
  if (t.schedulePaused) return 'paused';
  if (t.lastFailure && (lastSuccess === null || t.lastFailure.closeTime > lastSuccess)) return 'failed';
  if (lastSuccess !== null) return 'ok';
  return 'never run';
}

/**
 * Messages of a topic not yet in the warehouse: per partition, its end offset minus where the
 * next run starts (the ledger's next offset, or the oldest offset kept when the ledger has none
 * or retention passed it), as the plan counts them (activities/kinds/offsets/offset-plan.ts).
 */
export function offsetLag(partitions: readonly { partition: number; start: number; end: number }[], committed: ReadonlyMap<number, number> | undefined): number {
  let lag = 0;
  for (const p of partitions) lag += Math.max(0, p.end - Math.max(p.start, committed?.get(p.partition) ?? p.start));
  return lag;
}

export function statusRow(pipeline: string, region: string, kind: string, hasCheckpoint: boolean, t: TemporalFacts, s: SourceFacts, now: Date): StatusRow {
  // A continuous workflow never completes: its last committed batch is its last success.
  const lastSuccess = (t.continuous ? s.lastBatch : undefined) ?? t.lastSuccess?.closeTime ?? s.lastBatch ?? null;
  const newest = hasCheckpoint ? s.checkpoint : (lastSuccess ?? undefined);
  const state = stateOf(t, lastSuccess);
  let lag: number | null = null;
  if (hasCheckpoint && s.sourceHigh !== undefined) {
    lag = s.sourceHigh === null ? 0 : s.checkpoint === undefined ? null : seconds(Date.parse(s.sourceHigh), Date.parse(s.checkpoint));
  }
  const details = [state === 'failed' ? `${t.lastFailure!.status}: ${t.lastFailure!.message}` : undefined, s.sourceError, s.warning].filter((x): x is string => !!x);
  return {
    pipeline,
    region,
    kind,
    source: s.source,
    cell: s.cell ?? null,
    lastSuccess,
    rows: s.lastRunRows ?? null,
    counts: s.lastRunCounts ?? null,
    freshnessSeconds: newest === undefined ? null : seconds(now.getTime(), Date.parse(newest)),
    lagSeconds: lag,
    lagMessages: s.lagMessages ?? null,
    state,
    schedule: t.schedulePaused === undefined ? 'missing' : t.schedulePaused ? 'paused' : 'active',
    ...(details.length ? { detail: details.join('; ') } : {}),
  };
}

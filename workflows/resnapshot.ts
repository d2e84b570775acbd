// resnapshotPipeline(pipeline, region, keys?): asks the pipeline's change capture for a snapshot
// of its table (or of some keys) and follows it to the end: its scan from the connector's
// notifications, then the pipeline's own runs applying the offsets that hold its last chunk.
// It applies no row itself; it deletes the rows the snapshot found gone at the source, per chunk
// window and when it completes, once the runs have applied what came before (docs/cdc.md, Deletes
// per chunk window). `followResnapshot` is the same loop for verify's repair.
import { ApplicationFailure, defineQuery, proxyActivities, setHandler, sleep, uuid4 } from '@temporalio/workflow';
import type { Activities, ResnapshotInput, ResnapshotProgress, ResnapshotSignal, ResnapshotTarget } from '../activities/index.js';
import { sourceFairnessKey } from '../names/task-priority.js';

export interface ResnapshotOptions {
  /** Poll this often. */
  pollSeconds?: number;
  /** Fail when the connector has said nothing of the snapshot this long after the signal. */
  startTimeoutSeconds?: number;
  /** Fail when the snapshot is not applied this long after the signal. */
  timeoutSeconds?: number;
}

export interface ResnapshotResult {
  signal: ResnapshotSignal;
  progress: ResnapshotProgress;
  /** The rows deleted as gone at the source: in all, in how many steps (chunk windows, then the end), and how many by chunk windows. */
  gapDeletes?: { steps: number; deleted: number; inChunks: number };
}

export const resnapshotProgressQuery = defineQuery<ResnapshotProgress | null>('resnapshotProgress');

type Acts = Pick<Activities, 'signalResnapshot' | 'resnapshotProgress' | 'resnapshotGapDeletes'>;

/** Fair among pipelines like the plan: the signal and the deletes work on the pipeline's own source and target. */
export function resnapshotActivities(pipeline: string): Acts {
  return proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry: { initialInterval: '1s', maximumInterval: '30s' }, priority: { fairnessKey: sourceFairnessKey(pipeline) } });
}

export async function followResnapshot(acts: Acts, input: ResnapshotInput, options: ResnapshotOptions, onProgress: (p: ResnapshotProgress) => void): Promise<ResnapshotResult> {
  const poll = `${options.pollSeconds ?? 2}s`;
  const started = Date.now(); // workflow time: deterministic
  const startDeadline = started + (options.startTimeoutSeconds ?? 300) * 1000;
  const deadline = started + (options.timeoutSeconds ?? 6 * 3600) * 1000;
  const signal = await acts.signalResnapshot({ ...input, signalId: `tributary-${uuid4().replace(/-/g, '')}` });
  let scan: ResnapshotProgress | null = null;
  let target: ResnapshotTarget | undefined;
  const gap = { steps: 0, deleted: 0, inChunks: 0 };
  const deleteGap = async (upTo: string | null) => {
    const n = await acts.resnapshotGapDeletes({ signal, upTo });
    gap.deleted += n;
    if (upTo !== null) gap.inChunks += n;
    gap.steps++;
  };
  /** A chunk emitted, whose deletes wait until the runs have applied the offsets that hold it. */
  let chunk: { upTo: string; ends: ResnapshotTarget } | null = null;
  let deletedTo: string | null = null;
  for (;;) {
    const step = await acts.resnapshotProgress({ signal, ...(target ? { target } : {}) });
    // Once scanned, only the ledger moves: keep what the scan said.
    const progress: ResnapshotProgress = scan && target ? { ...scan, state: step.state, behind: step.behind } : step;
    if (!target) scan = step;
    target ??= step.target;
    onProgress(progress);
    if (signal.gapDeletes?.byRange && !target) {
      if (!chunk && step.coveredKey && step.coveredKey !== deletedTo && step.ends) chunk = { upTo: step.coveredKey, ends: step.ends };
      if (chunk && (await acts.resnapshotProgress({ signal, target: chunk.ends })).behind === 0) {
        await deleteGap(chunk.upTo);
        deletedTo = chunk.upTo;
        chunk = null;
      }
    }
    if (progress.state === 'done') {
      if (!signal.gapDeletes) return { signal, progress };
      await deleteGap(null);
      return { signal, progress, gapDeletes: gap };
    }
    const where = `pipeline ${input.pipeline}, region ${input.region}, snapshot ${signal.signalId}`;
    if (progress.state === 'aborted') throw ApplicationFailure.nonRetryable(`${where}: ${progress.note ?? 'aborted by the connector'}`, 'ResnapshotAborted');
    if (progress.state === 'signalled' && Date.now() > startDeadline) {
      throw ApplicationFailure.nonRetryable(
        `${where}: the connector has not started the snapshot: is ${signal.notificationTopic} its notification.sink.topic.name (notification.enabled.channels=sink), is signal.data.collection=tributary.debezium_signal and is that table in its publication? (docs/cdc.md, Resnapshots)`,
        'ResnapshotNotStarted',
      );
    }
    if (Date.now() > deadline) {
      const why = progress.state === 'merging' ? `${progress.behind} offsets of its rows are not applied: do the pipeline's runs (its schedule, or tributary cdc start) go on?` : `still ${progress.state}`;
      throw ApplicationFailure.nonRetryable(`${where}: not done within ${options.timeoutSeconds ?? 6 * 3600} s: ${why}`, 'ResnapshotTimeout');
    }
    await sleep(poll);
  }
}

export async function resnapshotPipeline(input: ResnapshotInput, options: ResnapshotOptions = {}): Promise<ResnapshotResult> {
  let latest: ResnapshotProgress | null = null;
  setHandler(resnapshotProgressQuery, () => latest);
  return followResnapshot(resnapshotActivities(input.pipeline), input, options, (p) => void (latest = p));
}

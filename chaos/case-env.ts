// What every case shares: a lab of the four pipelines, one worker, runs started through Temporal
// one after another per pipeline, and source writes, all going on while the case injects its
// faults. Then the writes stop, the pipelines run until the warehouse matches (or a limit of
// rounds), the comparison is taken, and everything the case made is removed.
import type { Client } from '@temporalio/client';
import { connectClient } from '../client/run-pipeline.js';
import { connectRest } from '../test/fixtures/debezium/connect.js';
import { STACK } from '../test/integration/stack.js';
import { compareAll, controlCheck, equal, type Comparison } from './compare.js';
import { KINDS, createLab, maxIds, newLab, removeLab, type Lab } from './lab.js';
import type { Random } from './random.js';
import type { CaseResult } from './report.js';
import { awaitRun, RunLoops, startRun } from './runs.js';
import { Worker } from './worker.js';
import { startWriters } from './writers.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CaseContext {
  lab: Lab;
  client: Client;
  worker: Worker;
  loops: RunLoops;
  random: Random;
  scale: number;
  log: (msg: string) => void;
}

/** What the case body reports; the rest of the CaseResult is filled in here. */
export type Injected = Pick<CaseResult, 'faults' | 'detail'> & Partial<Pick<CaseResult, 'hitsByPipelineKind' | 'failures' | 'notes'>>;

export interface CaseOptions {
  name: string;
  description: string;
  heartbeatTimeoutSeconds: number;
  random: Random;
  scale: number;
  bundle: string;
  dir: string;
}

/** The connector's state; a failed task is a case failure (it stops CDC), named with its trace. */
export async function connectorProblem(lab: Lab): Promise<string | undefined> {
  try {
    const st = (await connectRest.get(STACK.connect.us!, `/connectors/${lab.id}/status`)) as { connector: { state: string }; tasks: { state: string; trace?: string }[] };
    const failed = st.tasks.find((t) => t.state === 'FAILED');
    if (failed) return `connector ${lab.id}: task FAILED: ${(failed.trace ?? '').split('\n')[0]}`;
    return undefined;
  } catch (err) {
    return `connector ${lab.id}: status unknown: ${(err as Error).message}`;
  }
}

export async function runCase(opts: CaseOptions, body: (ctx: CaseContext) => Promise<Injected>): Promise<CaseResult> {
  const started = Date.now();
  const log = (msg: string) => console.error(`[chaos ${opts.name} ${Math.round((Date.now() - started) / 1000)}s] ${msg}`);
  const lab = newLab(opts.heartbeatTimeoutSeconds);
  const failures: string[] = [];
  const notes: string[] = [];
  let comparisons: Comparison[] = [];
  let injected: Injected = { faults: {}, detail: [] };
  let client: Client | undefined;
  const worker = new Worker(lab.config, opts.bundle, opts.dir);
  let loops: RunLoops | undefined;
  let writers: ReturnType<typeof startWriters> | undefined;
  try {
    log(`setting up ${lab.id} (source tables, topics, connector)`);
    await createLab(lab, opts.scale);
    await worker.start();
    client = await connectClient(lab.config);
    loops = new RunLoops(client, lab);
    writers = startWriters(lab, opts.random.fork(), await maxIds(lab), opts.scale);
    // Every pipeline completes a first run (the first loads) before faults start landing.
    if (!(await loops.eachCompletes(1, 300_000))) failures.push('not every pipeline completed a first run within 5 minutes');
    log('first runs done; injecting faults');
    injected = await body({ lab, client, worker, loops, random: opts.random, scale: opts.scale, log });
  } catch (err) {
    failures.push(`case aborted: ${(err as Error).stack ?? String(err)}`);
  }
  try {
    log('stopping the source writes and the run loops');
    await writers?.stop();
    await loops?.stop();
    if (client && loops) {
      comparisons = await quiesce(lab, client, loops, log);
      const control = await controlCheck(lab);
      if (control) failures.push(control);
      else notes.push('control check passed: a warehouse row deleted and one changed afterwards were reported as 1 lost and 1 changed');
    }
    const problem = await connectorProblem(lab);
    if (problem) failures.push(problem);
  } catch (err) {
    failures.push(`comparison failed: ${(err as Error).stack ?? String(err)}`);
  }
  if (worker.unexpectedExits.length > 0) notes.push(`the worker exited on its own ${worker.unexpectedExits.length} time(s) (${worker.unexpectedExits.join(', ')}) and was started again`);
  await worker.close().catch(() => undefined);
  await client?.connection.close().catch(() => undefined);
  const cleanup = await removeLab(lab);
  if (cleanup.length > 0) notes.push(...cleanup.map((c) => `cleanup: ${c}`));
  const empty = { completed: 0, failed: 0, errors: [] };
  return {
    name: opts.name,
    description: opts.description,
    faults: injected.faults,
    ...(injected.hitsByPipelineKind ? { hitsByPipelineKind: injected.hitsByPipelineKind } : {}),
    comparisons,
    runs: loops?.stats ?? { fact: empty, dimension: empty, topic: empty, cdc: empty },
    writes: writers?.stats ?? { fact: { committed: 0, failed: 0 }, dimension: { committed: 0, failed: 0 }, topic: { committed: 0, failed: 0 }, cdc: { committed: 0, failed: 0 } },
    failures: [...failures, ...(injected.failures ?? [])],
    notes: [...(injected.notes ?? []), ...notes],
    seconds: Math.round((Date.now() - started) / 1000),
    detail: injected.detail,
  };
}

/**
 * With the writes stopped: run every pipeline again until source == warehouse for all four (the
 * fact lag has passed, Debezium has sent the last changes), at most 12 rounds. A real loss never
 * heals this way: the checkpoints and ledgers are past it.
 */
async function quiesce(lab: Lab, client: Client, loops: RunLoops, log: (m: string) => void): Promise<Comparison[]> {
  let comparisons: Comparison[] = [];
  for (let round = 1; round <= 12; round++) {
    await sleep(2_000);
    const started = Date.now();
    await Promise.all(KINDS.map(async (k) => awaitRun(await startRun(client, lab, k), loops.stats[k], () => started + 5 * 60_000)));
    comparisons = await compareAll(lab);
    const pending = comparisons.filter((c) => !equal(c)).map((c) => c.kind);
    log(`quiesce round ${round}: ${pending.length === 0 ? 'source == warehouse for every pipeline' : `still differs: ${pending.join(', ')}`}`);
    if (pending.length === 0) break;
  }
  return comparisons;
}

// Case 2: services of the local stack crash in the middle of runs and come back, one after the
// other, while the sources keep changing: a Kafka broker (us-cell-2, read by the topic pipeline),
// the source PostgreSQL of region us (fact, dimension, and the Debezium connector), the warehouse
// PostgreSQL (every merge and ledger) and the Temporal dev server (whose state lives in its
// SQLite file: the runs in flight must still be there afterwards). After each restart every
// pipeline must complete a run again; runs retry, none may fail.
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectorProblem, type CaseContext, type Injected } from '../case-env.js';
import { connectRest } from '../../test/fixtures/debezium/connect.js';
import type { Kind } from '../lab.js';
import { STACK } from '../../test/integration/stack.js';
import { activitiesInFlight } from '../runs.js';
import { crash, describeService, restartMissing, type Service } from '../services.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const SERVICE_RESTARTS = {
  name: 'service-restarts',
  description:
    'In the middle of runs, with the same source writes going on: Kafka broker us-cell-2 is SIGKILLed, source PostgreSQL us and the warehouse PostgreSQL ' +
    'are stopped with `pg_ctl stop -m immediate`, and the Temporal dev server is SIGKILLed; each time `infra/local/start.sh` starts what is missing. ' +
    'The runs in flight must retry and complete (none may fail), every pipeline must complete a run after each restart, and the runs in flight when ' +
    'Temporal went down must be known to it afterwards. No new run starts while the service is down: a run that starts during an outage of its ' +
    'source fails at planning on purpose, naming the source, and the next run picks up.',
  heartbeatTimeoutSeconds: 5,
};

/** Each fault, and the pipeline kinds whose activity it should catch in flight. */
const FAULTS: { service: Service; aim: Kind[] }[] = [
  { service: { kind: 'kafka', name: 'us-cell-2' }, aim: ['topic'] },
  { service: { kind: 'postgres', name: 'source-us' }, aim: ['fact', 'dimension'] },
  { service: { kind: 'postgres', name: 'warehouse' }, aim: ['fact', 'dimension', 'topic', 'cdc'] },
  { service: { kind: 'temporal' }, aim: ['fact', 'dimension', 'topic', 'cdc'] },
];

export async function serviceRestarts(ctx: CaseContext): Promise<Injected> {
  const faults: Record<string, number> = {};
  const failures: string[] = [];
  const notes: string[] = [];
  const detail: unknown[] = [];
  for (const { service, aim } of FAULTS) {
    const name = describeService(service);
    await sleep(ctx.random.int(500, 3_000));
    let inFlight = await activitiesInFlight(ctx.loops);
    for (let waited = 0; !aim.some((k) => inFlight[k]) && waited < 20_000; waited += 100) {
      await sleep(100);
      inFlight = await activitiesInFlight(ctx.loops);
    }
    // Exact runs (id + run id): a later run under the same id must not stand in for a lost one.
    const running = service.kind === 'temporal' ? await Promise.all(Object.values(ctx.loops.current).map(async (h) => ({ id: h.workflowId, runId: (await h.describe()).runId }))) : [];
    const crashedAt = Date.now();
    ctx.loops.pause();
    const pid = await crash(service);
    ctx.log(`${name} (pid ${pid}) crashed; in flight: ${JSON.stringify(inFlight)}`);
    await sleep(3_000);
    try {
      await restartMissing();
    } finally {
      ctx.loops.resume();
    }
    const downSeconds = Math.round((Date.now() - crashedAt) / 100) / 10;
    faults[`${name} restart`] = 1;
    ctx.log(`${name} back after ${downSeconds} s`);

    if (service.kind === 'temporal') {
      // The dev server keeps its state in its db file: the runs it had must still be there.
      const missing: string[] = [];
      for (const { id, runId } of running) {
        for (let attempt = 1; ; attempt++) {
          try {
            await ctx.client.workflow.getHandle(id, runId).describe();
            break;
          } catch (err) {
            if (err instanceof WorkflowNotFoundError) {
              missing.push(id);
              break;
            }
            // Still reconnecting.
            if (attempt === 30) throw err;
            await sleep(1_000);
          }
        }
      }
      if (missing.length > 0) failures.push(`Temporal lost ${missing.length} run(s) across its restart: ${missing.join(', ')}`);
      else notes.push(`Temporal kept its state across the restart (its SQLite file): the ${running.length} latest runs started before it, by run id, were all known after it`);
    }
    const recovered = await ctx.loops.eachCompletes(1, 300_000);
    const seconds = Math.round((Date.now() - crashedAt) / 1000);
    if (!recovered) failures.push(`after the ${name} restart not every pipeline completed a run within 5 minutes`);
    const connector = await connectorProblem(ctx.lab);
    if (connector) {
      failures.push(`after the ${name} restart: ${connector}`);
      // Restarted by hand, as an operator would, so the comparison still says what reached the warehouse.
      await connectRest.post(STACK.connect.us!, `/connectors/${ctx.lab.id}/restart?includeTasks=true&onlyFailed=true`).catch(() => undefined);
    }
    detail.push({ service: name, pid, inFlight, downSeconds, everyPipelineRanAgainWithinSeconds: recovered ? seconds : null });
    ctx.log(`${name}: every pipeline completed a run again ${seconds} s after the crash`);
  }
  return { faults, failures, notes, detail };
}

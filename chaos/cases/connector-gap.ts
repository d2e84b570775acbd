// Case 3: a CDC gap in the middle of the load. The Debezium connector is deleted with its Connect
// offsets and its replication slot (the usual ways: a slot dropped to free WAL, a connector
// rebuilt after a failure) while the captured table keeps taking inserts, updates and deletes;
// a few seconds later it is registered again: a new slot and an initial snapshot, whose rows are
// versioned at its point and whose close deletes the keys deleted during the gap. Every pipeline
// must complete a run after each gap, and the suite's comparison must find nothing lost,
// duplicated or stale.
import { connectorProblem, type CaseContext, type Injected } from '../case-env.js';
import { labConnector } from '../lab.js';
import { registerConnector } from '../../test/fixtures/debezium/connect.js';
import { removeKeepingTopic } from '../../test/integration/cdc-gap-fixture.js';
import { STACK, withClient } from '../../test/integration/stack.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const CONNECTOR_GAP = {
  name: 'connector-gap',
  description:
    'In the middle of the load, with the same source writes going on: the Debezium connector is deleted with its Connect offsets and its replication slot, ' +
    'the captured table takes changes (deletes among them) while no connector runs, then the connector is registered again (new slot, initial snapshot). ' +
    '3 gaps (x CHAOS_SCALE, at least 1). Every pipeline must complete a run after each gap, and the warehouse must end equal to its sources.',
  heartbeatTimeoutSeconds: 5,
};

export async function connectorGap(ctx: CaseContext): Promise<Injected> {
  const gaps = Math.max(1, Math.round(3 * ctx.scale));
  const failures: string[] = [];
  const detail: unknown[] = [];
  for (let i = 0; i < gaps; i++) {
    await sleep(ctx.random.int(2_000, 6_000));
    const removedAt = Date.now();
    await withClient(STACK.source.us!, (src) => removeKeepingTopic(src, ctx.lab.id, { keepSlot: false }));
    ctx.log(`gap ${i + 1}: connector ${ctx.lab.id} deleted with its offsets and slot`);
    await sleep(ctx.random.int(3_000, 8_000));
    await registerConnector(STACK.connect.us!, ctx.lab.id, labConnector(ctx.lab));
    const gapSeconds = Math.round((Date.now() - removedAt) / 100) / 10;
    ctx.log(`gap ${i + 1}: connector registered again after ${gapSeconds} s (new slot, initial snapshot)`);
    const recovered = await ctx.loops.eachCompletes(1, 300_000);
    if (!recovered) failures.push(`after gap ${i + 1} not every pipeline completed a run within 5 minutes`);
    const connector = await connectorProblem(ctx.lab);
    if (connector) failures.push(`after gap ${i + 1}: ${connector}`);
    detail.push({ gap: i + 1, gapSeconds, everyPipelineRanAgain: recovered });
  }
  return { faults: { 'connector and slot removed, registered again': gaps }, failures, detail };
}

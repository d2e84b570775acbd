// A source PostgreSQL server that goes away while a run plans and is back within half a minute:
// the plan tries that source again in place (activities/kinds/plan-source.ts), so the run
// completes with every row instead of failing the source's part of it.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, usFactPipeline } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { killService, servicePid, startMissing } from './stack-restart.js';
import { stackConfig, uniqueName } from './stack.js';

const SOURCE = { kind: 'postgres', name: 'source-us' } as const;
const table = uniqueName('restart_plan');
let config: TributaryConfig;
let h: Harness;

beforeAll(async () => {
  await createFactTable('us', table, 2_000);
  config = stackConfig([usFactPipeline('restart_plan', 'app', table, { lagSeconds: 0 })]);
  h = await startHarness(config, ['us']);
});

afterAll(async () => {
  if ((await servicePid(SOURCE)) === undefined) await startMissing();
  await h?.close();
  await dropFactTable(table);
  if (config) await dropSchema(config.warehouse.schema);
}, 600_000);

it('a run that plans while its source restarts waits for it and loads every row', async () => {
  await killService(SOURCE);
  const run = h.run('restart_plan', 'us');
  // The plan meets a refused connection first; the server is back a few seconds later.
  await sleep(3_000);
  expect(await servicePid(SOURCE)).toBeUndefined();
  await startMissing();
  const result = await run;
  expect(result).toMatchObject({ pipeline: 'restart_plan', region: 'us' });
  expect(result).not.toHaveProperty('failures');
  expect(await expectWarehouseEqualsSource('us', table, targetTable(config, config.pipelines[0]!))).toBe(2_000);
}, 300_000);

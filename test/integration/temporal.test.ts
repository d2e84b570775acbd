// The Temporal dev server of the local stack: reachable, with the search attributes our
// workflows set, and running syncPipeline on a region's task queue.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { connectClient, runPipeline } from '../../client/run-pipeline.js';
import { createRegionWorker } from '../../workers/create-worker.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('empty');

beforeAll(async () => {
  await withClient(STACK.source.eu!, (c) => c.query(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, updated_at timestamptz NOT NULL)`));
});
afterAll(async () => {
  await withClient(STACK.source.eu!, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(table)}`));
});

it('has the Pipeline and Region search attributes registered', async () => {
  const connection = await Connection.connect({ address: STACK.temporal });
  try {
    const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(res.customAttributes ?? {})).toEqual(expect.arrayContaining(['Pipeline', 'Region']));
  } finally {
    await connection.close();
  }
});

it('runs syncPipeline for an empty table through a region worker, visible by search attribute', async () => {
  const config = stackConfig([{ name: 'empty', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['eu'] }]);
  const { worker, connection } = await createRegionWorker(config, 'eu');
  const client = await connectClient(config);
  try {
    const result = await worker.runUntil(runPipeline(client, config, 'empty', 'eu'));
    expect(result).toMatchObject({ pipeline: 'empty', region: 'eu', units: 1, rowsStaged: 0, inserted: 0 });
    expect(result.ranges[0]!.from).toBeNull();
    // Visibility is eventually consistent.
    let found = 0;
    for (let i = 0; i < 50 && found === 0; i++) {
      for await (const _ of client.workflow.list({ query: `Pipeline = 'empty' AND Region = 'eu' AND TaskQueue = '${config.temporal.taskQueuePrefix}-eu'` })) found++;
      if (found === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toBe(1);
  } finally {
    await client.connection.close();
    await connection.close();
    await dropSchema(config.warehouse.schema);
  }
});


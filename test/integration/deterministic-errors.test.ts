// A deterministic error fails the run at once, naming what it worked on; it is not retried
// (every PostgreSQL error was, 20 times with back-off, about a quarter of an hour).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ActivityFailure, RetryState } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('films');
const domain = uniqueName('year');
const config = stackConfig([{ name: 'films', kind: 'dimension', source: 'app', table: `public.${table}`, key: ['id'], regions: ['us'] }]);
let h: Harness;

beforeAll(async () => {
  await withClient(STACK.source.us!, async (c) => {
    // A user-defined domain the warehouse does not have: its target DDL names a type that does not exist there.
    await c.query(`CREATE DOMAIN public.${ident(domain)} AS integer CHECK (VALUE >= 1901 AND VALUE <= 2155)`);
    await c.query(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, title text, release_year public.${ident(domain)})`);
    await c.query(`INSERT INTO public.${ident(table)} VALUES (1, 'Academy Dinosaur', 2006)`);
  });
  h = await startHarness(config, ['us']);
});

afterAll(async () => {
  await h?.close();
  await withClient(STACK.source.us!, async (c) => {
    await c.query(`DROP TABLE IF EXISTS public.${ident(table)}`);
    await c.query(`DROP DOMAIN IF EXISTS public.${ident(domain)}`);
  });
  await dropSchema(config.warehouse.schema);
});

describe('a deterministic error', () => {
  it('fails the run at once, naming pipeline, region, source, table and type, without a retry', async () => {
    const err = await h.run('films', 'us').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    let activity: unknown = (err as Error).cause;
    while (activity instanceof Error && !(activity instanceof ActivityFailure)) activity = activity.cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    // Not retried: the activity gave up on its first attempt because the failure is non-retryable.
    expect((activity as ActivityFailure).retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
    const message = ((activity as ActivityFailure).cause as Error).message;
    expect(message).toContain('pipeline films, region us, source app/us, table public.' + table);
    expect(message).toContain(`type "${domain}" does not exist`);
    expect(message).toContain('SQLSTATE 42704');
  });
});

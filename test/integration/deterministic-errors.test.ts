// A deterministic error fails the run at once, naming what it worked on; it is not retried
// (every PostgreSQL error was, 20 times with back-off, about a quarter of an hour). The warehouse
// refuses a row by a rule of its own (a trigger raising a check violation), as the types of the
// source no longer can (a domain arrives as its base type).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ActivityFailure, RetryState } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { targetTable } from '../../config/resolve.js';
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
    // A user-defined domain the warehouse does not have: the target keeps its base type.
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
  it('fails the run at once, naming pipeline, region, source, table and the column, without a retry', async () => {
    // The domain arrives as its base type, so the first run loads.
    await h.run('films', 'us');
    const [schema, target] = targetTable(config, config.pipelines[0]!);
    const q = `${ident(schema)}.${ident(target)}`;
    await withClient(STACK.warehouse, async (c) => {
      const type = await c.query<{ type: string }>(`SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = '${q}'::regclass AND attname = 'release_year'`);
      expect(type.rows).toEqual([{ type: 'integer' }]);
      // A rule of the warehouse's own that every later row breaks: a check violation, class 23.
      await c.query(`CREATE FUNCTION ${ident(schema)}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'release year % refused', NEW.release_year USING ERRCODE = 'check_violation', COLUMN = 'release_year'; END$$`);
      await c.query(`CREATE TRIGGER refuse BEFORE INSERT ON ${q} FOR EACH ROW EXECUTE FUNCTION ${ident(schema)}.refuse()`);
    });
    await withClient(STACK.source.us!, (c) => c.query(`UPDATE public.${ident(table)} SET title = 'Academy Dinosaur II'`));
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
    expect(message).toContain('release year 2006 refused');
    expect(message).toContain('release_year');
    expect(message).toContain('SQLSTATE 23514');
  });
});

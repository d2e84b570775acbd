// A resnapshot's deletes on a Redshift warehouse, its Data API client replaced by
// aws-sdk-client-mock running each statement on the local PostgreSQL warehouse (a batch in one
// transaction, as redshift-cdc-repair.test.ts does). The signal is written for real to the us
// source's signal table (no connector captures these tables: nothing reads it), which reads B,
// the WAL position the deletes go below. Targets made by Redshift's CDC DDL hold rows the re-read
// wrote (above B), rows it did not write (below B), a row changed after the snapshot began (at B),
// another region's row and, with soft deletes, a row marked before; for hard and soft deletes:
//  - a table with a composite integer key, deleted chunk window by chunk window (up to a chunk's
//    last key, in key order) and then at the end;
//  - a resnapshot of given keys of a composite key whose texts hold ',', '~', a quote and a
//    backslash: only among those keys, named by the key text the Redshift side computes.
// What differs from Redshift: the statements run on PostgreSQL; Redshift's LOCK, REPLACE and
// CAST to DECIMAL(20,0) inside BatchExecuteStatement are not run.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import pg from 'pg';
import { validateConfig } from '../../config/load.js';
import type { CdcPipelineConfig, TributaryConfig } from '../../config/schema.js';
import { findPipeline } from '../../config/resolve.js';
import { createDeps, type ActivityDeps } from '../../activities/deps.js';
import { resnapshotGapDeletes, signalResnapshot } from '../../activities/kinds/cdc/resnapshot.js';
import { signalIdOf } from '../../activities/kinds/cdc/resnapshot-signal.js';
import { createCdcTargetSql } from '../../activities/warehouse/redshift/cdc-merge-sql.js';
import { dataApiOnPostgres, type SentStatement } from '../fixtures/data-api-on-postgres.js';
import { createSignalTable, withSignalSecret } from './cdc-signal-fixture.js';
import { topicStackConfig } from './topic-fixture.js';
import { STACK, connect, uniqueName } from './stack.js';

const { escapeIdentifier: ident } = pg;
const schema = uniqueName('rs_resnap_deletes');
const redshift = mockClient(RedshiftDataClient);
const US = ['events/us/cell-1', 'events/us/cell-2'];
const EU = 'events/eu/cell-1';
const OLD = '100';
const MARKED_AT = '2026-01-01 00:00:00+00';

type Shape = 'ints' | 'texts';
const KEYS: Record<Shape, { key: string[]; columns: { name: string; type: string }[] }> = {
  ints: { key: ['shop', 'id'], columns: [{ name: 'shop', type: 'integer' }, { name: 'id', type: 'bigint' }, { name: 'note', type: 'text' }] },
  texts: { key: ['tag', 'id'], columns: [{ name: 'tag', type: 'text' }, { name: 'id', type: 'bigint' }, { name: 'note', type: 'text' }] },
};

let config: TributaryConfig;
let deps: ActivityDeps;
let src: pg.Client;
let wh: pg.Client;
const signals: string[] = [];

const session = async () => {
  const c = await connect(STACK.warehouse);
  await c.query(`SET search_path TO ${ident(schema)}, public`);
  return c;
};
const table = (shape: Shape, deletes: string) => `${schema}_${shape}_${deletes}`;
const target = (shape: Shape, deletes: string) => `${ident(schema)}.${ident(table(shape, deletes))}`;
const pipeline = (shape: Shape, deletes: 'hard' | 'soft') => ({
  name: table(shape, deletes),
  kind: 'cdc',
  source: 'events',
  regions: ['us'],
  topic: `${schema}.public.${table(shape, deletes)}`,
  target: table(shape, deletes),
  key: KEYS[shape].key,
  options: { capturedFrom: { source: 'app', table: `public.${table(shape, deletes)}` }, deletes },
});
const SHAPES = ['ints', 'texts'] as const;
const MODES = ['hard', 'soft'] as const;

/** A target row as the CDC merge leaves it: its key, a note, its version, the cluster its change came through. */
async function insertTarget(shape: Shape, deletes: string, k: [string | number, number], note: string, lsn: string, cluster: string) {
  await wh.query(`INSERT INTO ${target(shape, deletes)} (${KEYS[shape].key.map(ident).join(', ')}, note, _lsn, _source, _region) VALUES ($1, $2, $3, $4, $5, 'us')`, [...k, note, lsn, cluster]);
}

/** Each row's note and whether it is there: live, deleted (soft: marked), or gone (hard). */
async function state(shape: Shape, deletes: string): Promise<Record<string, string>> {
  const live = deletes === 'soft' ? 'NOT _deleted' : 'true';
  const rows = await wh.query<{ note: string; live: boolean }>(`SELECT note, ${live} AS live FROM ${target(shape, deletes)}`);
  return Object.fromEntries(rows.rows.map((r) => [r.note, r.live ? 'live' : 'marked']));
}

beforeAll(async () => {
  const pipelines = SHAPES.flatMap((shape) => MODES.map((deletes) => pipeline(shape, deletes)));
  const base = topicStackConfig(pipelines, { schema });
  config = withSignalSecret(
    validateConfig('redshift-resnapshot-deletes', {
      ...base,
      warehouse: { type: 'redshift', awsRegion: 'us-east-1', database: 'dev', schema, workgroup: 'bi', copyRoleArn: 'arn:aws:iam::123456789012:role/tributary-load' },
      stage: { type: 's3', bucket: 'tributary-stage', awsRegion: 'us-east-1' },
    }),
  );
  deps = createDeps(config);
  src = await connect(STACK.source.us!);
  await createSignalTable(src);
  wh = await session();
  await wh.query(`CREATE SCHEMA ${ident(schema)}`);
  for (const shape of SHAPES) {
    const { key, columns } = KEYS[shape];
    for (const deletes of MODES) {
      await src.query(`CREATE TABLE public.${ident(table(shape, deletes))} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')}, PRIMARY KEY (${key.map(ident).join(', ')}))`);
      await src.query(`GRANT SELECT ON public.${ident(table(shape, deletes))} TO tributary_cdc`);
      await wh.query(createCdcTargetSql({ schema, table: table(shape, deletes), columns, written: columns, key, deletes }));
    }
  }
});

afterAll(async () => {
  if (signals.length) await src?.query('DELETE FROM tributary.debezium_signal WHERE id = ANY($1)', [signals]);
  for (const shape of SHAPES) for (const deletes of MODES) await src?.query(`DROP TABLE IF EXISTS public.${ident(table(shape, deletes))}`);
  await src?.end();
  await wh?.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  await wh?.end();
  redshift.restore();
});

/** Writes the resnapshot's signal at the source: B, and the scope of its deletes. */
async function signal(p: CdcPipelineConfig, keys?: string[][]) {
  const signalId = signalIdOf(randomUUID());
  signals.push(signalId);
  const s = await signalResnapshot(deps, p, { pipeline: p.name, region: 'us', ...(keys ? { keys } : {}), signalId });
  expect(s.gapDeletes).not.toBeNull();
  return { s, b: BigInt(s.gapDeletes!.belowLsn) };
}

/** What every batch sent shows: under the target's lock, B a parameter, no secret of the source. */
async function checkSent(sent: SentStatement[], shape: Shape, deletes: string, b: bigint) {
  const batches = sent.filter((x) => x.batch);
  expect(batches.length).toBeGreaterThan(0);
  for (const name of new Set(batches.map((x) => x.batch))) {
    const batch = batches.filter((x) => x.batch === name);
    expect(name).toMatch(new RegExp(`^tributary-resnapshot-delete/${schema}\\.${table(shape, deletes)}/${b}/`));
    expect(batch[0]!.sql).toBe(`LOCK ${target(shape, deletes)}`);
    expect(batch[0]!.params).toContainEqual({ name: 'lsn', value: String(b) });
  }
  for (const secret of ['app-us', 'app-us-cdc']) {
    const { password } = await deps.secrets.get(secret);
    expect(password).toBeTruthy();
    expect(JSON.stringify(sent)).not.toContain(password);
  }
}

describe.each(MODES)('resnapshot deletes on Redshift (%s deletes)', (deletes) => {
  const gone = deletes === 'soft' ? 'marked' : undefined;

  it('deletes the rows the re-read did not write chunk window by chunk window, in key order, then the rest at the end', async () => {
    const sent = dataApiOnPostgres(redshift, wh, session);
    const p = findPipeline(config, table('ints', deletes)) as CdcPipelineConfig;
    const { s, b } = await signal(p);
    expect(s.gapDeletes).toMatchObject({ keys: null, byRange: true });
    const at = (d: bigint) => String(b + d);
    await insertTarget('ints', deletes, [1, 1], 'reread', at(100n), US[0]!);
    await insertTarget('ints', deletes, [1, 2], 'gone in chunk', OLD, US[1]!);
    // (0, 9) is below the chunk's last key (1, 5) in key order, though its id is above 5.
    await insertTarget('ints', deletes, [0, 9], 'gone in chunk, key order', OLD, US[0]!);
    await insertTarget('ints', deletes, [1, 3], 'changed since, at B', at(0n), US[1]!);
    await insertTarget('ints', deletes, [0, 1], 'another region', OLD, EU);
    await insertTarget('ints', deletes, [1, 9], 'gone after the chunk', OLD, US[0]!);
    await insertTarget('ints', deletes, [2, 0], 'gone after the chunk, next shop', OLD, US[1]!);
    if (deletes === 'soft') {
      await insertTarget('ints', deletes, [0, 2], 'marked before', OLD, US[0]!);
      await wh.query(`UPDATE ${target('ints', deletes)} SET _deleted = true, _deleted_at = $1 WHERE note = 'marked before'`, [MARKED_AT]);
    }
    const kept = { reread: 'live', 'changed since, at B': 'live', 'another region': 'live', ...(deletes === 'soft' ? { 'marked before': 'marked' } : {}) };

    expect(await resnapshotGapDeletes(deps, p, s, '1,5')).toBe(2);
    expect(await state('ints', deletes)).toEqual({
      ...kept,
      ...(gone ? { 'gone in chunk': gone, 'gone in chunk, key order': gone } : {}),
      'gone after the chunk': 'live',
      'gone after the chunk, next shop': 'live',
    });
    expect(await resnapshotGapDeletes(deps, p, s, null)).toBe(2);
    const after = { ...kept, ...(gone ? { 'gone in chunk': gone, 'gone in chunk, key order': gone, 'gone after the chunk': gone, 'gone after the chunk, next shop': gone } : {}) };
    expect(await state('ints', deletes)).toEqual(after);
    // Again: nothing more.
    expect(await resnapshotGapDeletes(deps, p, s, null)).toBe(0);
    expect(await state('ints', deletes)).toEqual(after);
    if (deletes === 'soft') {
      // Marked at B, when the deletes ran; the row marked before keeps its own mark.
      const marks = await wh.query<{ note: string; lsn: string; at: Date }>(`SELECT note, _lsn::text AS lsn, _deleted_at AS at FROM ${target('ints', deletes)} WHERE _deleted`);
      for (const m of marks.rows) {
        if (m.note === 'marked before') expect([m.lsn, m.at.toISOString()]).toEqual([OLD, new Date(MARKED_AT).toISOString()]);
        else expect(m.lsn).toBe(String(b));
      }
    }
    await checkSent(sent, 'ints', deletes, b);
    const chunk = sent.find((x) => x.batch?.endsWith('/1,5') && x.sql.startsWith(deletes === 'soft' ? 'UPDATE' : 'DELETE'))!;
    expect(chunk.params.filter((x) => x.name?.startsWith('up_')).map((x) => x.value)).toEqual(['1', '5']);
  });

  it('of given keys deletes only among them, named by their key text', async () => {
    const sent = dataApiOnPostgres(redshift, wh, session);
    const p = findPipeline(config, table('texts', deletes)) as CdcPipelineConfig;
    const keys = [['a,b', '2'], ['~', '5'], ["o'k\\", '4'], ['b', '7'], ['x', '8'], ['e', '9']];
    const { s, b } = await signal(p, keys);
    expect(s.gapDeletes).toMatchObject({ keys, byRange: false });
    await insertTarget('texts', deletes, ['a,b', 2], 'comma', OLD, US[0]!);
    await insertTarget('texts', deletes, ['~', 5], 'tilde', OLD, US[1]!);
    await insertTarget('texts', deletes, ["o'k\\", 4], 'quote and backslash', OLD, US[0]!);
    await insertTarget('texts', deletes, ['b', 7], 'reread', String(b + 10n), US[1]!);
    await insertTarget('texts', deletes, ['x', 8], 'changed since, at B', String(b), US[0]!);
    await insertTarget('texts', deletes, ['e', 9], 'another region', OLD, EU);
    await insertTarget('texts', deletes, ['a', 6], 'not given', OLD, US[1]!);

    expect(await resnapshotGapDeletes(deps, p, s, null)).toBe(3);
    expect(await state('texts', deletes)).toEqual({
      ...(gone ? { comma: gone, tilde: gone, 'quote and backslash': gone } : {}),
      reread: 'live',
      'changed since, at B': 'live',
      'another region': 'live',
      'not given': 'live',
    });
    expect(await resnapshotGapDeletes(deps, p, s, null)).toBe(0);
    await checkSent(sent, 'texts', deletes, b);
    // The key texts as literals, a backslash as CHR(92).
    expect(sent.find((x) => x.sql.startsWith('INSERT INTO tributary_extra'))!.sql).toBe(
      `INSERT INTO tributary_extra VALUES ('a~,b,2'), ('~~,5'), (('o''k' || CHR(92) || ',4')), ('b,7'), ('x,8'), ('e,9')`,
    );
  });
});

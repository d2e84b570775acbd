// CDC verify and repair against a Redshift warehouse, its Data API client replaced by
// aws-sdk-client-mock running each statement on the local PostgreSQL warehouse (as
// status-redshift.test.ts does; batches in one transaction): a real source table with a composite
// key whose texts hold ',', '~', a quote and a backslash, and a target made by Redshift's CDC DDL
// that drifted (a key missing, a row changed, a key the source lacks, and one it lacks whose row is
// newer than the WAL position the repair reads). The repair deletes (or marks) only the older
// extra key, and asks a resnapshot of exactly the missing and changed keys, by the key text the
// Redshift side computes: that filter, run at the source as Debezium's chunk query adds it, reads
// exactly those rows. Applied as the snapshot's rows (the CDC merge SQL itself is run in
// redshift-sql-on-postgres.test.ts), with the newer key's own delete streamed in, verify finds
// nothing. What differs from Redshift: STRTOL is a one-line function here (as in
// redshift-verify-on-postgres.test.ts); Redshift's own string functions are not run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import pg from 'pg';
import { validateConfig } from '../../config/load.js';
import type { CdcPipelineConfig, TributaryConfig } from '../../config/schema.js';
import { findPipeline } from '../../config/resolve.js';
import { createDeps, type ActivityDeps } from '../../activities/deps.js';
import { repairCdc } from '../../activities/kinds/cdc/repair.js';
import { withCdcSides } from '../../activities/kinds/cdc/verify.js';
import { CURRENT_LSN_SQL, resnapshotFilter } from '../../activities/kinds/cdc/resnapshot-signal.js';
import { keyNaming } from '../../activities/reconcile/bucket-sql.js';
import { compareSides } from '../../activities/reconcile/compare-sides.js';
import { pgBucketReader } from '../../activities/reconcile/read.js';
import { createCdcTargetSql } from '../../activities/warehouse/redshift/cdc-merge-sql.js';
import { dataApiOnPostgres, type SentStatement } from '../fixtures/data-api-on-postgres.js';
import { topicStackConfig } from './topic-fixture.js';
import { STACK, connect, uniqueName } from './stack.js';

const { escapeIdentifier: ident } = pg;
const schema = uniqueName('rs_cdc_repair');
const redshift = mockClient(RedshiftDataClient);
const BUCKETS = 4;
const US = ['events/us/cell-1', 'events/us/cell-2'];
const columns = Object.entries({ tag: 'text', id: 'bigint', amount: 'numeric(12,2)', at: 'timestamp with time zone', note: 'text' }).map(([name, type]) => ({ name, type }));
type Row = [string, number, string | null, string | null, string | null];
const ROWS: Row[] = [
  ['a', 1, '12.30', '2026-01-02 03:04:05.5+05:30', 'plain'],
  ['a,b', 2, '-0.01', '2026-06-30 23:00:00-07', 'héllo ✓'],
  ['x\\y', 3, null, null, null],
  ["o'k", 4, '100.00', '1970-01-01 00:00:00+00', ''],
  ['~', 5, '0', '2026-12-07 12:00:00.999999+00', 'tilde'],
  ['a', 6, '1.5', '2026-12-07 00:00:00+00', 'six'],
  ['b', 7, '7', '2026-12-07 00:00:00+00', 'seven'],
];
const OLD_LSN = '100';

let config: TributaryConfig;
let deps: ActivityDeps;
let src: pg.Client;
let wh: pg.Client;
let sent: SentStatement[];

const session = async () => {
  const c = await connect(STACK.warehouse);
  await c.query(`SET search_path TO ${ident(schema)}, public`);
  return c;
};
const table = (deletes: string) => `${schema}_${deletes}`;
const target = (deletes: string) => `${ident(schema)}.${ident(table(deletes))}`;
const pipeline = (deletes: 'hard' | 'soft') => ({
  name: table(deletes),
  kind: 'cdc',
  source: 'events',
  regions: ['us'],
  topic: `${schema}.public.${table(deletes)}`,
  target: table(deletes),
  key: ['tag', 'id'],
  options: { capturedFrom: { source: 'app', table: `public.${table(deletes)}` }, deletes },
});

/** A target row as the CDC merge writes it: the row, its LSN, the cluster its change came through. */
async function insertTarget(deletes: string, r: Row, lsn: string, cluster: string) {
  await wh.query(`INSERT INTO ${target(deletes)} (tag, id, amount, at, note, _lsn, _source, _region) VALUES ($1, $2, $3, $4, $5, $6, $7, 'us')`, [...r, lsn, cluster]);
}

beforeAll(async () => {
  const base = topicStackConfig([pipeline('hard'), pipeline('soft')], { schema });
  config = validateConfig('redshift-cdc-repair', {
    ...base,
    warehouse: { type: 'redshift', awsRegion: 'us-east-1', database: 'dev', schema, workgroup: 'bi', copyRoleArn: 'arn:aws:iam::123456789012:role/tributary-load' },
    stage: { type: 's3', bucket: 'tributary-stage', awsRegion: 'us-east-1' },
  });
  deps = createDeps(config);
  src = await connect(STACK.source.us!);
  wh = await session();
  await wh.query(`CREATE SCHEMA ${ident(schema)}`);
  // Redshift's STRTOL(hex, 16) for the at most 15 hex digits the SQL passes it.
  await wh.query(`CREATE FUNCTION ${ident(schema)}.strtol(t text, base int) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT ('x' || lpad(t, 16, '0'))::bit(64)::bigint $$`);
  for (const deletes of ['hard', 'soft'] as const) {
    await src.query(`CREATE TABLE public.${ident(table(deletes))} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')}, PRIMARY KEY (tag, id))`);
    for (const r of ROWS) await src.query(`INSERT INTO public.${ident(table(deletes))} VALUES ($1, $2, $3, $4, $5)`, r);
    await wh.query(createCdcTargetSql({ schema, table: table(deletes), columns, written: columns, key: ['tag', 'id'], deletes }));
    for (const [i, r] of ROWS.entries()) await insertTarget(deletes, r, OLD_LSN, US[i % 2]!);
  }
});

afterAll(async () => {
  for (const deletes of ['hard', 'soft']) await src?.query(`DROP TABLE IF EXISTS public.${ident(table(deletes))}`);
  await src?.end();
  await wh?.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  await wh?.end();
  redshift.restore();
});

const verify = (p: CdcPipelineConfig) =>
  withCdcSides(deps, p, 'us', undefined, (s, dst, t) => compareSides(pgBucketReader(s), dst, t.server.id, { source: t.source, warehouse: t.warehouse, cutoff: null }, BUCKETS, null));

describe.each(['hard', 'soft'] as const)('CDC repair on Redshift (%s deletes)', (deletes) => {
  it('deletes only the older extra key, resnapshots exactly the missing and changed keys by their key text, and then verify finds nothing', async () => {
    sent = dataApiOnPostgres(redshift, wh, session);
    const p = findPipeline(config, table(deletes)) as CdcPipelineConfig;
    const lsnBefore = BigInt((await src.query<{ lsn: string }>(CURRENT_LSN_SQL)).rows[0]!.lsn);
    const newer = String(lsnBefore + 1_000_000_000_000n);
    // The drift: a key missing, a row changed by hand, a key the source lacks, one it lacks whose
    // row came after the position the repair reads (its delete is still in the topic), and another region's row.
    await wh.query(`DELETE FROM ${target(deletes)} WHERE tag = 'x\\y' AND id = 3`);
    await wh.query(`UPDATE ${target(deletes)} SET note = 'by hand' WHERE tag = 'a,b' AND id = 2`);
    await insertTarget(deletes, ["gone'\\,~", 9, '9', null, 'extra'], OLD_LSN, US[0]!);
    await insertTarget(deletes, ['new', 10, '10', null, 'newer'], newer, US[1]!);
    await insertTarget(deletes, ['eu', 11, '11', null, 'another region'], OLD_LSN, 'events/eu/cell-1');

    const before = await verify(p);
    const sum = (k: 'missing' | 'changed' | 'extra') => before.drifted.reduce((n, d) => n + d[k], 0);
    expect({ missing: sum('missing'), changed: sum('changed'), extra: sum('extra') }).toEqual({ missing: 1, changed: 1, extra: 2 });

    const only = before.drifted.map((d) => d.bucket);
    const request = { pipeline: p.name, region: 'us', source: before.source, buckets: BUCKETS, only, cutoff: null, batchId: uniqueName('repair'), stagePrefix: 'unused' };
    const step = await repairCdc(deps, p, request);
    expect(step.deleted).toBe(1);
    const rows = await wh.query<{ tag: string; id: string; _lsn: string; live: boolean }>(
      `SELECT tag, id, _lsn, ${deletes === 'soft' ? 'NOT _deleted' : 'true'} AS live FROM ${target(deletes)} WHERE id >= 9 ORDER BY id`,
    );
    const after = rows.rows.map((r) => `${r.tag} ${r.id} ${r.live ? 'live' : 'deleted'}`);
    // Hard: the older extra key is gone; soft: marked deleted at the position read before the source.
    expect(after).toEqual([...(deletes === 'soft' ? ["gone'\\,~ 9 deleted"] : []), 'new 10 live', 'eu 11 live']);
    if (deletes === 'soft') expect(BigInt(rows.rows[0]!._lsn)).toBeGreaterThanOrEqual(lsnBefore);
    expect(rows.rows.find((r) => r.id === '10')!._lsn).toBe(newer);

    // The delete: one batch under the target's lock, the key texts as literals, the position a parameter.
    const batch = sent.filter((s) => s.batch);
    expect(batch[0]!.sql).toBe(`LOCK ${target(deletes)}`);
    expect(batch.some((s) => s.sql.includes(`('gone''' || CHR(92) || '~,~~,9')`))).toBe(true);
    for (const s of batch) expect(s.batch).toMatch(/^tributary-cdc-repair\/[^/]+\/events\/us\/cell-1,events\/us\/cell-2\/\d+$/);
    expect(batch[0]!.params.map((x) => x.name).sort()).toEqual(deletes === 'soft' ? ['loaded_at', 'lsn'] : ['lsn']);
    // No secret of the source reaches a statement or its parameters.
    const { password } = await deps.secrets.get('app-us');
    expect(password).toBeTruthy();
    expect(JSON.stringify(sent)).not.toContain(password);

    // The resnapshot: exactly the missing and changed keys, by the key text both sides compute.
    const snapshot = step.resnapshot!;
    expect(snapshot.keyTexts?.slice().sort()).toEqual(['a~,b,2', 'x\\y,3']);
    const naming = await withCdcSides(deps, p, 'us', undefined, (_s, _d, t) => Promise.resolve(keyNaming(t.source)));
    const filter = resnapshotFilter(p.key, snapshot, p.name, naming)!;
    const reread = await src.query<{ tag: string; id: string; amount: string | null; at: string | null; note: string | null }>(
      `SELECT tag, id, amount::text, at::text, note FROM public.${ident(table(deletes))} WHERE ${filter} ORDER BY id`,
    );
    expect(reread.rows.map((r) => `${r.tag} ${r.id}`)).toEqual(['a,b 2', 'x\\y 3']);

    // Its rows applied as the pipeline's runs apply a snapshot's (newer than what they replace), and the newer key's delete streamed in.
    for (const r of reread.rows) {
      await wh.query(`DELETE FROM ${target(deletes)} WHERE tag = $1 AND id = $2`, [r.tag, r.id]);
      await insertTarget(deletes, [r.tag, Number(r.id), r.amount, r.at, r.note], String(lsnBefore), US[0]!);
    }
    await wh.query(deletes === 'soft' ? `UPDATE ${target(deletes)} SET _deleted = true WHERE id = 10` : `DELETE FROM ${target(deletes)} WHERE id = 10`);
    const repaired = await verify(p);
    expect(repaired.drifted).toEqual([]);
    expect(repaired.warehouseRows).toBe(ROWS.length);
    expect(repaired.sourceRows).toBe(ROWS.length);
    // Again: nothing to delete, nothing to re-read.
    expect(await repairCdc(deps, p, request)).toEqual({ deleted: 0 });
  });
});

// Managed CDC through the real Connect worker and Debezium: a capture of three tables gets its
// publication, topics and connector from apply; a fourth table added by apply joins (its existing
// rows through an incremental snapshot) and its changes are applied; a table removed leaves the
// publication and the include list; the slot's retained WAL grows while the connector is paused
// and shows in status and as a gauge; a failed task shows as failed and apply restarts it; a
// capture removed has its connector stopped and its slot kept, and `apply --drop-slot` drops them.
import { execFile } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import type { CdcPipelineConfig, TributaryConfig } from '../../config/schema.js';
import { applyCaptures, type CaptureRow } from '../../activities/managed-cdc/reconcile.js';
import { ConnectCluster, running } from '../../activities/managed-cdc/connect-rest.js';
import { reportCaptureHealth } from '../../activities/managed-cdc/report-health.js';
import { createDeps } from '../../activities/deps.js';
import { PrometheusMetrics } from '../../activities/metrics/prometheus.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { pipelineStatus } from '../../client/status.js';
import { captureConnector, captureSlot } from '../../names/managed-cdc.js';
import { CAPTURE_CELL, captureConfig, removeManagedCapture } from './capture-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { ROOT, STACK, connect, connectConfig, uniqueName, withClient, writeConfigFile } from './stack.js';
import { dropSchema, endOffsets, withAdmin } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const capture = uniqueName('mcdc');
const tables = ['a', 'b', 'c', 'd'].map((t) => `${capture}_${t}`);
const [A, B, C, D] = tables as [string, string, string, string];
const COLUMNS = ['id', 'name', 'amount'];

let base: TributaryConfig;
let src: pg.Client;
let harness: Harness;
let connector: string;
let slot: string;
let rest: ConnectCluster;

/** The config with the capture over these tables (none: no capture at all). */
function withTables(names: string[]): TributaryConfig {
  const entry = { name: capture, kind: 'cdc', source: 'events', regions: ['us'], capture: { from: 'app', tables: names.map((t) => ({ table: `public.${t}`, key: ['id'] })) } };
  return validateConfig('managed-cdc', { ...base, pipelines: names.length ? [entry] : [] });
}

const pipelineOf = (table: string) => `${capture}-${table}`;
const topicOf = (config: TributaryConfig, table: string) => (config.pipelines.find((p) => p.name === pipelineOf(table)) as CdcPipelineConfig).topic;

async function apply(config: TributaryConfig, opts: { dropSlot?: boolean } = {}): Promise<CaptureRow[]> {
  return applyCaptures(config, createSecretProvider(config.secrets), opts);
}

async function publicationTables(): Promise<string[]> {
  const r = await src.query<{ t: string }>(
    `SELECT n.nspname || '.' || c.relname AS t FROM pg_publication p JOIN pg_publication_rel r ON r.prpubid = p.oid JOIN pg_class c ON c.oid = r.prrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE p.pubname = $1 ORDER BY 1`,
    [slot],
  );
  return r.rows.map((x) => x.t);
}

async function includeList(): Promise<string> {
  return (await rest.connectors()).find((c) => c.name === connector)?.config['table.include.list'] ?? '';
}

async function slotRow(): Promise<{ active: boolean } | undefined> {
  return (await src.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0];
}

async function checksums(table: string) {
  const source = await tableChecksum(src, ['public', table], ['id'], COLUMNS);
  const warehouse = await withClient(STACK.warehouse, (w) => tableChecksum(w, [base.warehouse.schema, table], ['id'], COLUMNS).catch(() => null));
  return { source, warehouse };
}

/** Runs the table's pipeline until the warehouse equals the source. */
async function untilEqual(table: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    await harness.run(pipelineOf(table), 'us');
    const { source, warehouse } = await checksums(table);
    if (warehouse && warehouse.rows === source.rows && warehouse.checksum === source.checksum) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  const { source, warehouse } = await checksums(table);
  expect(warehouse, `${table} in the warehouse`).toEqual(source);
}

beforeAll(async () => {
  base = captureConfig();
  rest = new ConnectCluster(connectConfig('us'), createSecretProvider(base.secrets));
  connector = captureConnector(base, capture);
  slot = captureSlot(base, capture);
  src = await connect(STACK.source.us!);
  for (const t of tables) {
    await src.query(`CREATE TABLE public.${ident(t)} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2))`);
    await src.query(`INSERT INTO public.${ident(t)} SELECT g, 'seed' || g, g * 1.25 FROM generate_series(1, 50) g`);
  }
  // The workers know every table's pipeline; apply is given the capture's tables of each step.
  harness = await startHarness(withTables(tables), ['us']);
}, 180_000);

afterAll(async () => {
  await harness?.close();
  // Whatever the test left: the connector, its slot and publication, the topics and tables.
  const config = withTables(tables);
  await removeManagedCapture(rest, src, connector, slot, tables.map((t) => topicOf(config, t)));
  for (const t of tables) await src?.query(`DROP TABLE IF EXISTS public.${ident(t)}`);
  await src?.end();
  if (base) await dropSchema(base.warehouse.schema);
}, 180_000);

it('apply creates and keeps in step the publication, topics and connector of a capture; the slot is watched and dropped on request', async () => {
  // 1. Three tables: publication (with the signal table), topics and a running connector.
  const first = withTables([A, B, C]);
  const created = await apply(first);
  expect(created.map((r) => [r.capture, r.action, r.error])).toEqual([[capture, 'create', undefined]]);
  expect(await publicationTables()).toEqual([`public.${A}`, `public.${B}`, `public.${C}`, 'tributary.debezium_signal']);
  const config = (await rest.connectors()).find((c) => c.name === connector)!.config;
  expect(config['database.password']).toBe('${env:TRIBUTARY_CDC_PASSWORD}');
  expect(config['skipped.operations']).toBe('none');
  expect(config['signal.data.collection']).toBe('tributary.debezium_signal');
  expect(config['signal.enabled.channels']).toBe('source');
  expect(config['table.include.list']).toBe([A, B, C].map((t) => `public\\.${t}`).join(','));
  const topics = await withAdmin(CAPTURE_CELL, (a) => a.listTopics());
  for (const t of [A, B, C]) expect(topics).toContain(topicOf(first, t));
  expect((await apply(first)).map((r) => r.action)).toEqual(['unchanged']);
  for (const t of [A, B, C]) await untilEqual(t);

  // 2. A fourth table joins: publication, include list, and its existing rows by an incremental snapshot.
  const second = withTables([A, B, C, D]);
  const joined = await apply(second);
  expect(joined.map((r) => [r.action, r.error])).toEqual([['update', undefined]]);
  expect(joined[0]!.detail).toContain(`incremental snapshot of public.${D}`);
  expect(await publicationTables()).toContain(`public.${D}`);
  expect(await includeList()).toContain(`public\\.${D}`);
  await src.query(`UPDATE public.${ident(D)} SET name = name || ' changed', amount = amount + 1 WHERE id <= 10`);
  await src.query(`INSERT INTO public.${ident(D)} VALUES (1001, 'new', 9.99)`);
  await src.query(`DELETE FROM public.${ident(A)} WHERE id = 3`);
  await untilEqual(D);
  await untilEqual(A);

  // 3. A table removed leaves the publication and the include list: its changes no longer reach its topic.
  const third = withTables([A, C, D]);
  expect((await apply(third)).map((r) => [r.action, r.error])).toEqual([['update', undefined]]);
  expect(await publicationTables()).not.toContain(`public.${B}`);
  expect(await includeList()).not.toContain(`public\\.${B}`);
  const bBefore = await endOffsets(CAPTURE_CELL, topicOf(first, B));
  await src.query(`UPDATE public.${ident(B)} SET name = 'after removal' WHERE id = 1`);
  await src.query(`UPDATE public.${ident(C)} SET name = 'after removal' WHERE id = 1`);
  // C's change committed after B's: once it is applied, B's would have been sent before it.
  await untilEqual(C);
  expect(await endOffsets(CAPTURE_CELL, topicOf(first, B))).toEqual(bBefore);

  // 4. Paused, the connector confirms nothing: the slot holds back at least the WAL written since.
  await rest.pause(connector);
  await rest.waitFor(connector, 'paused', (s) => s.connector.state === 'PAUSED' && s.tasks.every((t) => t.state === 'PAUSED'));
  const lsn = async () => (await src.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
  const from = await lsn();
  await src.query(`INSERT INTO public.${ident(C)} SELECT g, repeat('x', 200), g FROM generate_series(10000, 30000) g`);
  const written = Number((await src.query<{ d: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text AS d', [from])).rows[0]!.d);
  expect(written).toBeGreaterThan(1_000_000);
  const rows = await pipelineStatus(harness.client, third, { pipeline: pipelineOf(C) });
  expect(rows).toHaveLength(1);
  expect(rows[0]!.capture).toMatchObject({ slot, connector, connectorState: 'PAUSED', taskStates: ['PAUSED'] });
  expect(rows[0]!.capture!.retainedWalBytes).toBeGreaterThanOrEqual(written);
  expect(rows[0]!.detail).toContain(`slot ${slot} retains`);
  const prometheus = new PrometheusMetrics();
  // A clock past the worker's cache of the health (this process runs the harness's worker too): read afresh.
  await reportCaptureHealth(createDeps(third, prometheus), pipelineOf(C), 'us', Date.now() + 60_000);
  const text = await prometheus.text();
  const retained = text.match(new RegExp(`^tributary_cdc_slot_retained_wal_bytes\\{pipeline="${pipelineOf(C)}",region="us",slot="${slot}"\\} (\\d+)$`, 'm'));
  expect(Number(retained?.[1])).toBeGreaterThanOrEqual(written);
  expect(text).toContain(`tributary_cdc_connector_task_failed{pipeline="${pipelineOf(C)}",region="us",connector="${connector}"} 0`);
  await rest.resume(connector);
  await rest.waitFor(connector, 'running', running);
  await untilEqual(C);

  // 5. A task that fails (its publication swapped by hand for one that does not exist) fails status; apply restarts it.
  await rest.put(connector, { ...(await rest.connectors()).find((c) => c.name === connector)!.config, 'publication.name': `${slot}_missing` });
  await rest.waitFor(connector, 'failed', (s) => s.tasks.some((t) => t.state === 'FAILED'));
  const failed = await pipelineStatus(harness.client, third, { pipeline: pipelineOf(A) });
  expect(failed[0]!.state).toBe('failed');
  expect(failed[0]!.detail).toMatch(new RegExp(`pipeline ${pipelineOf(A)}, region us: task 0 of connector ${connector} failed: .*publication`, 'i'));
  const healed = await apply(third);
  expect(healed.map((r) => [r.action, r.error])).toEqual([['update', undefined]]);
  expect((await pipelineStatus(harness.client, third, { pipeline: pipelineOf(A) }))[0]!.capture!.connectorState).toBe('RUNNING');

  // 6. The capture removed: its connector stops, its slot stays; --drop-slot (through the CLI) drops them.
  const none = withTables([]);
  const stoppedRows = await apply(none);
  expect(stoppedRows.map((r) => [r.connector, r.action])).toEqual([[connector, 'stop']]);
  expect(stoppedRows[0]!.detail).toContain(`slot ${slot} kept`);
  expect((await rest.status(connector))?.connector.state).toBe('STOPPED');
  expect(await slotRow()).toEqual({ active: false });
  const file = writeConfigFile(none);
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'apply', '--drop-slot', '--json', '--config', file], { cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  expect(out.code, out.stderr).toBe(0);
  const dropped = (JSON.parse(out.stdout) as { captures: CaptureRow[] }).captures;
  expect(dropped.map((r) => [r.connector, r.action])).toEqual([[connector, 'drop']]);
  expect(await slotRow()).toBeUndefined();
  expect(await rest.status(connector)).toBeUndefined();
  expect(await publicationTables()).toEqual([]);
}, 900_000);

it('without an owner secret, apply only checks: it names the statements for the owner, and goes on once they ran', async () => {
  const name = `${capture}_o`;
  const table = `${capture}_e`;
  const noOwner = (tablesOf: string[]) =>
    validateConfig('managed-cdc-no-owner', {
      ...base,
      sources: { ...base.sources, app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us', cdc: { secret: 'app-us-cdc', passwordRef: '${env:TRIBUTARY_CDC_PASSWORD}' } }] } },
      pipelines: tablesOf.length ? [{ name, kind: 'cdc', source: 'events', regions: ['us'], capture: { from: 'app', tables: tablesOf.map((t) => ({ table: `public.${t}`, key: ['id'] })) } }] : [],
    });
  const config = noOwner([table]);
  const conn = captureConnector(config, name);
  const pub = captureSlot(config, name);
  await src.query(`CREATE TABLE public.${ident(table)} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2))`);
  try {
    const refused = await apply(config);
    expect(refused.map((r) => [r.connector, r.action])).toEqual([[conn, 'failed']]);
    expect(refused[0]!.error).toContain(`capture ${name}, region us, source app/us: publication ${pub} is not as the capture needs it; as the owner run: CREATE PUBLICATION "${pub}"`);
    expect(await rest.status(conn)).toBeUndefined();
    // The owner runs what the message says, as it says it.
    for (const problem of refused[0]!.error!.split(/; (?=capture )/)) {
      const statements = problem.split('as the owner run: ')[1];
      if (statements) for (const s of statements.split('; ')) await src.query(s);
    }
    const created = await apply(config);
    expect(created.map((r) => [r.action, r.error])).toEqual([['create', undefined]]);
    const dropped = await apply(noOwner([]), { dropSlot: true });
    expect(dropped.map((r) => [r.connector, r.action])).toEqual([[conn, 'drop']]);
    expect(dropped[0]!.detail).toContain(`publication ${pub} kept: no ownerSecret`);
    expect((await src.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [pub])).rows).toEqual([]);
  } finally {
    await rest.delete(conn).catch(() => undefined);
    for (let i = 0; i < 240 && (await src.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [pub])).rows[0]?.active; i++) await new Promise((r) => setTimeout(r, 250));
    await src.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [pub]).catch(() => undefined);
    await src.query(`DROP PUBLICATION IF EXISTS ${ident(pub)}`);
    await src.query(`DROP TABLE IF EXISTS public.${ident(table)}`);
    await withAdmin(CAPTURE_CELL, async (a) => {
      const topic = (config.pipelines[0] as CdcPipelineConfig).topic;
      if ((await a.listTopics()).includes(topic)) await a.deleteTopics({ topics: [topic] });
    }).catch(() => undefined);
  }
}, 300_000);

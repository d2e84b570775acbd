// `tributary status` against a Redshift warehouse. Redshift cannot run here, so its Data API
// client is replaced by aws-sdk-client-mock, and the mock runs each statement it is sent on the
// local PostgreSQL warehouse (named parameters become $n) over the ledger tables as Redshift's DDL
// makes them: what is checked is the statements, their parameters, the Data API's field values
// turned into status, and that the same ledger reads the same through either warehouse.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { ledgerReader } from '../../client/ledger.js';
import { pipelineStatus } from '../../client/status.js';
import { validateConfig } from '../../config/load.js';
import type { TributaryConfig } from '../../config/schema.js';
import { connectPg } from '../../activities/pg/connect.js';
import { postgresWarehouseTarget } from '../../activities/warehouse/postgres/target.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { ledgerColumnSqls, stateTablesSql } from '../../activities/warehouse/redshift/merge-sql.js';
import { offsetsStateTablesSql } from '../../activities/warehouse/redshift/offsets-sql.js';
import { dataApiOnPostgres, type SentStatement } from '../fixtures/data-api-on-postgres.js';
import { STACK, stackConfig, uniqueName } from './stack.js';

const { escapeIdentifier: ident } = pg;
const schema = uniqueName('st_redshift');
const redshift = mockClient(RedshiftDataClient);
const NOW = new Date('2026-11-28T12:00:00Z');

let warehouse: pg.Client;
let pgConfig: TributaryConfig;
let rsConfig: TributaryConfig;
let connection: Connection;
let client: Client;
/** Statements the Data API was sent, with their parameters. */
let sent: SentStatement[];

beforeAll(async () => {
  const pipelines = [
    { name: 'orders', kind: 'fact', source: 'app', table: 'public.st_redshift_orders', key: ['id'], watermark: 'updated_at', regions: ['us'] },
    { name: 'clicks', kind: 'topic', source: 'events', topic: 'clicks', target: 'st_redshift_clicks', regions: ['us'], columns: [{ name: 'id', path: 'id', type: 'bigint' }] },
  ];
  const events = { events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: [STACK.kafka['us/cell-1']!] }] } };
  pgConfig = stackConfig(pipelines, { schema, sources: events });
  rsConfig = validateConfig('redshift-status-test', {
    ...pgConfig,
    warehouse: { type: 'redshift', awsRegion: 'us-east-1', database: 'dev', schema, workgroup: 'bi', copyRoleArn: 'arn:aws:iam::123456789012:role/tributary-load' },
    stage: { type: 's3', bucket: 'tributary-stage', awsRegion: 'us-east-1' },
  });
  // As the workers' warehouse role, which makes the ledger.
  warehouse = await connectPg(postgresWarehouseTarget(pgConfig.warehouse as Extract<TributaryConfig['warehouse'], { type: 'postgres' }>), createSecretProvider(pgConfig.secrets));
  // Redshift's session time zone is UTC; the ledger's timestamps are read as epoch seconds anyway.
  await warehouse.query(`SET TimeZone = 'America/Los_Angeles'`);
  connection = await Connection.connect({ address: STACK.temporal });
  client = new Client({ connection });
});

afterAll(async () => {
  await warehouse?.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  await warehouse?.end();
  await connection?.close();
  redshift.restore();
});

beforeEach(() => {
  sent = dataApiOnPostgres(redshift, warehouse);
});

it('reads an empty ledger before anything ran, asking Redshift by name for the schema', async () => {
  const ledger = await ledgerReader(rsConfig, createSecretProvider(rsConfig.secrets)).read();
  expect(ledger.checkpoints.size).toBe(0);
  expect(ledger.lastBatch.size).toBe(0);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.sql).toContain('pg_catalog.pg_class');
  expect(sent[0]!.params).toEqual([
    { name: 'schema', value: schema },
    { name: 'table', value: 'tributary_batches' },
  ]);

  const rows = await pipelineStatus(client, rsConfig, { now: NOW });
  expect(rows.map((r) => [r.pipeline, r.state, r.lastSuccess])).toEqual([
    ['orders', 'never run', null],
    ['clicks', 'never run', null],
  ]);
});

it('reads checkpoints, last batches and a run’s rows from the Redshift ledger as from the PostgreSQL one', async () => {
  await warehouse.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
  for (const s of stateTablesSql(schema)) await warehouse.query(s);
  const batch = (id: string, pipeline: string, source: string, rows: number, at: string) =>
    warehouse.query(
      `INSERT INTO ${ident(schema)}.tributary_batches (batch_id, pipeline, region, source, source_table, target, rows_staged, inserted, updated, unchanged, deleted, quarantined, checksum, loaded_at)
       VALUES ($1, $2, 'us', $3, 't', 't', $4, $4, 0, 0, 0, 0, 'sha256:x', $5)`,
      [id, pipeline, source, rows, at],
    );
  await batch('r1:app/us:0', 'orders', 'app/us', 10, '2026-11-28T11:00:00.250Z');
  await batch('r1:app/us:1', 'orders', 'app/us', 5, '2026-11-28T11:30:00Z');
  await batch('r10:app/us:0', 'orders', 'app/us', 7, '2026-11-28T09:00:00Z'); // another run whose id starts with r1
  await batch('r2:cell-1', 'clicks', 'events/us/cell-1', 100, '2026-11-28T11:59:00Z');
  await warehouse.query(
    `INSERT INTO ${ident(schema)}.tributary_checkpoints (pipeline, region, source, stream, position, batch_id, updated_at)
     VALUES ('orders', 'us', 'app/us', 'public.st_redshift_orders', '2026-11-28T11:20:00.000000Z', 'r1:app/us:1', now())`,
  );

  const viaRedshift = ledgerReader(rsConfig, createSecretProvider(rsConfig.secrets));
  const viaPostgres = ledgerReader(pgConfig, createSecretProvider(pgConfig.secrets));
  const ledger = await viaRedshift.read();
  expect(ledger).toEqual(await viaPostgres.read());
  expect([...ledger.lastBatch.values()].sort()).toEqual(['2026-11-28T11:30:00.000Z', '2026-11-28T11:59:00.000Z']);
  expect([...ledger.checkpoints.values()]).toEqual(['2026-11-28T11:20:00.000000Z']);

  // The Kafka offsets ledger, as Redshift's DDL makes it.
  for (const s of offsetsStateTablesSql(schema)) await warehouse.query(s);
  const offset = (cell: string, partition: number, next: number) =>
    warehouse.query(
      `INSERT INTO ${ident(schema)}.tributary_offsets (pipeline, region, cell, topic, kafka_partition, source, next_offset, batch_id, updated_at)
       VALUES ('clicks', 'us', $1::varchar, 'clicks', $2, 'events/us/' || $1::varchar, $3, 'r2', now())`,
      [cell, partition, next],
    );
  await offset('cell-1', 0, 120);
  await offset('cell-1', 1, 7);
  await offset('cell-2', 0, 40);
  const offsets = await viaRedshift.offsets('clicks', 'us');
  expect(offsets).toEqual(await viaPostgres.offsets('clicks', 'us'));
  expect(offsets).toEqual(
    new Map([
      ['cell-1\u0000clicks', new Map([[0, 120], [1, 7]])],
      ['cell-2\u0000clicks', new Map([[0, 40]])],
    ]),
  );
  expect(await viaRedshift.offsets('clicks', 'eu')).toEqual(new Map());

  const runRows = await viaRedshift.runRows('orders', 'us', 'r1');
  expect(runRows).toEqual(await viaPostgres.runRows('orders', 'us', 'r1'));
  expect(runRows).toEqual(new Map([['app/us', 15]]));
  const named = sent.at(-1)!;
  expect(named.params).toEqual([
    { name: 'pipeline', value: 'orders' },
    { name: 'region', value: 'us' },
    { name: 'run_id', value: 'r1' },
  ]);
  // A ledger from before the count check (Redshift's DDL without its columns) shows no counts, rather than failing.
  expect(await viaRedshift.runCounts('orders', 'us', 'r1')).toEqual(new Map());
  for (const s of ledgerColumnSqls(schema, new Set())) await warehouse.query(s);
  await warehouse.query(`UPDATE ${ident(schema)}.tributary_batches SET rows_read = rows_staged, deduplicated = 0, dead_lettered = 0, deleted_absent = 0 WHERE batch_id = 'r1:app/us:1'`);
  const runCounts = await viaRedshift.runCounts('orders', 'us', 'r1');
  expect(runCounts).toEqual(await viaPostgres.runCounts('orders', 'us', 'r1'));
  expect(runCounts).toEqual(new Map([['app/us', { read: 15, inserted: 15, updated: 0, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }]]));
  // No statement of the status path may carry a value in its text: everything is bound.
  for (const s of sent) expect(s.sql).not.toMatch(/'orders'|'clicks'|'r1'|'us'/);

  const rows = await pipelineStatus(client, rsConfig, { now: NOW });
  const orders = rows.find((r) => r.pipeline === 'orders')!;
  expect(orders).toMatchObject({ source: 'app/us', lastSuccess: '2026-11-28T11:30:00.000Z', freshnessSeconds: 40 * 60 });
  const clicks = rows.find((r) => r.pipeline === 'clicks')!;
  expect(clicks).toMatchObject({ source: 'events/us/cell-1', lastSuccess: '2026-11-28T11:59:00.000Z' });
  expect(rows).toEqual(await pipelineStatus(client, pgConfig, { now: NOW }));
});

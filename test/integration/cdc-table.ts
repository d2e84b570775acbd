// One plain captured table for CDC tests: a table of the us source (id, name, amount, at) seeded
// with rows the snapshot reads, its publication and Debezium connector on the us Connect worker,
// a cdc pipeline of the same name applying its topic, the config also as a file (for worker
// processes and the CLI), and the source == warehouse comparison. drop() removes it all.
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { Client } from '@temporalio/client';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum, type TableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { connectorConfig, createPublication, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { STACK, connect, withClient, writeConfigFile } from './stack.js';
import { dropSchema, killProcess, topicStackConfig } from './topic-fixture.js';
import { cdcWorkflowId } from '../../names/temporal-ids.js';

const { escapeIdentifier: ident } = pg;
export const CDC_TABLE_COLUMNS = ['id', 'name', 'amount', 'at'];

export interface CdcTable {
  /** The source table (public schema), the warehouse table, the pipeline, connector, slot and publication: all this name. */
  name: string;
  topic: string;
  config: TributaryConfig;
  configFile: string;
  /** A connection to the us source, as its superuser. */
  src: pg.Client;
  /** Count and per-row checksum of the source table and of the warehouse table (null before it exists). */
  checksums(): Promise<{ source: TableChecksum; warehouse: TableChecksum | null }>;
  drop(): Promise<void>;
}

/** `pipeline` adds to (or overrides) the cdc pipeline's settings, e.g. schedule and options. */
export async function createCdcTable(prefix: string, opts: { seedRows: number; pipeline?: Record<string, unknown> }): Promise<CdcTable> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const topic = `${name}.public.${name}`;
  const config = topicStackConfig([{ name, kind: 'cdc', source: 'events', regions: ['us'], topic, target: name, key: ['id'], ...opts.pipeline }], { heartbeatTimeoutSeconds: 5 });
  const configFile = writeConfigFile(config);
  const src = await connect(STACK.source.us!);
  const q = `public.${ident(name)}`;
  await src.query(`CREATE TABLE ${q} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,3), at timestamptz)`);
  await src.query(`INSERT INTO ${q} SELECT g, 'seed' || g, g * 1.5, now() FROM generate_series(1, $1::int) g`, [opts.seedRows]);
  await createPublication(STACK.source.us!, name, [`public.${name}`]);
  await registerConnector(STACK.connect.us!, name, connectorConfig('us', name, [`public.${name}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }));
  return {
    name,
    topic,
    config,
    configFile,
    src,
    async checksums() {
      const source = await tableChecksum(src, ['public', name], ['id'], CDC_TABLE_COLUMNS);
      const warehouse = await withClient(STACK.warehouse, (w) => tableChecksum(w, [config.warehouse.schema, name], ['id'], CDC_TABLE_COLUMNS).catch(() => null));
      return { source, warehouse };
    },
    async drop() {
      await removeConnector(STACK.connect.us!, STACK.source.us!, STACK.kafka['us/cell-1']!, { connector: name, slot: name, publication: name, topics: [topic] });
      await src.query(`DROP TABLE IF EXISTS ${q}`);
      await src.end();
      await dropSchema(config.warehouse.schema);
    },
  };
}

/** A continuous-workflow test's teardown: its workflow ended for good (nothing serves its queue afterwards), its worker, client and table gone. */
export async function endContinuousTest(client: Client | undefined, t: CdcTable | undefined, worker: ChildProcess | undefined): Promise<void> {
  if (client && t) await client.workflow.getHandle(cdcWorkflowId(t.config, t.name, 'us')).terminate('test cleanup').catch(() => undefined);
  if (worker) await killProcess(worker);
  await client?.connection.close();
  await t?.drop();
}

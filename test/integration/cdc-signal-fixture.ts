// What resnapshot tests set up for Debezium's signal channel on the us source: the shared signal
// table of the convention (docs/cdc.md, Resnapshots), a connector that reads signals from it and
// writes notifications to a topic, and a config whose us server names the role that writes signals;
// the captured table with its publication and workers, runs while a resnapshot goes on, and removal.
import pg from 'pg';
import type { TributaryConfig } from '../../config/schema.js';
import { validateConfig } from '../../config/load.js';
import { connectorConfig, createPublication, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { startHarness, type Harness } from './harness.js';
import { STACK, connect } from './stack.js';
import { dropSchema } from './topic-fixture.js';

/** The config with a signalSecret on every server of source app: the connector's own role, which may insert into the signal table. */
export function withSignalSecret(base: TributaryConfig): TributaryConfig {
  const app = base.sources.app as { type: 'postgres'; servers: { region: string; secret: string }[] };
  return validateConfig('test-config', { ...base, sources: { ...base.sources, app: { ...app, servers: app.servers.map((s) => ({ ...s, signalSecret: `app-${s.region}-cdc` })) } } });
}

/** The shared signal table, made once per server; `src` is a superuser connection. */
export async function createSignalTable(src: pg.Client): Promise<void> {
  await src.query('CREATE SCHEMA IF NOT EXISTS tributary');
  await src.query('CREATE TABLE IF NOT EXISTS tributary.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))');
  await src.query('GRANT USAGE ON SCHEMA tributary TO tributary_cdc');
  await src.query('GRANT SELECT, INSERT ON tributary.debezium_signal TO tributary_cdc');
}

/** The connector of table public.<name> (topic prefix, slot and publication all <name>), with signals, notifications and truncates. */
export function signalConnector(name: string, notifications: string, settings: Record<string, string>): Record<string, string> {
  return {
    ...connectorConfig('us', name, [`public.${name}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }),
    'skipped.operations': 'none',
    'signal.enabled.channels': 'source',
    'signal.data.collection': 'tributary.debezium_signal',
    'notification.enabled.channels': 'sink',
    'notification.sink.topic.name': notifications,
    ...settings,
  };
}

/**
 * The table public.<name> (id, name, amount) with `rows` rows, the signal table, a publication of
 * both named <name>, the connector <name> with `connector` as its config, and workers for `config`;
 * `src` is a superuser connection to the us source.
 */
export async function startSignalCapture(config: TributaryConfig, name: string, rows: number, connector: Record<string, string>): Promise<{ src: pg.Client; harness: Harness }> {
  const src = await connect(STACK.source.us!);
  const q = `public.${pg.escapeIdentifier(name)}`;
  await createSignalTable(src);
  await src.query(`CREATE TABLE ${q} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,3))`);
  await src.query(`INSERT INTO ${q} SELECT g, 'seed' || g, g * 1.5 FROM generate_series(1, ${rows}) g`);
  await createPublication(STACK.source.us!, name, [`public.${name}`, 'tributary.debezium_signal']);
  await registerConnector(STACK.connect.us!, name, connector);
  return { src, harness: await startHarness(config, ['us']) };
}

/** Runs `step` (the pipelines' runs, which apply a resnapshot's rows), `pauseMs` apart, until `work` settles; its outcome. */
export async function runWhile<T>(work: Promise<T>, step: () => Promise<void>, pauseMs: number): Promise<T> {
  let settled = false;
  const done = work.finally(() => void (settled = true));
  done.catch(() => undefined);
  while (!settled) {
    await step();
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return done;
}

/** Removes what such a test made: the workers, the connector with its slot, publication and topics, the table, the warehouse schema. */
export async function removeCapture(harness: Harness | undefined, src: pg.Client | undefined, config: TributaryConfig | undefined, name: string, topics: string[]): Promise<void> {
  await harness?.close();
  await removeConnector(STACK.connect.us!, STACK.source.us!, STACK.kafka['us/cell-1']!, { connector: name, slot: name, publication: name, topics });
  await src?.query(`DROP TABLE IF EXISTS public.${pg.escapeIdentifier(name)}`);
  await src?.end();
  if (config) await dropSchema(config.warehouse.schema);
}

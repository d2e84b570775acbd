// The four pipelines a case runs, one of each kind, all in region us, and everything they need on
// the local stack under one name chaos_<id>: a fact and a dimension table in source us, a topic on
// both us cell clusters, a Debezium-captured table (publication, slot, connector, topic), and a
// warehouse schema. remove() drops all of it again, whatever state a failed case left behind.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { targetTable } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import { connectorConfig, createPublication, registerConnector, removeConnector } from '../test/fixtures/debezium/connect.js';
import { STACK, withClient } from '../test/integration/stack.js';
import { createTopic, deleteTopic, dropSchema, topicStackConfig } from '../test/integration/topic-fixture.js';

const { escapeIdentifier: ident } = pg;

export const KINDS = ['fact', 'dimension', 'topic', 'cdc'] as const;
export type Kind = (typeof KINDS)[number];

/** The us cell clusters the topic pipeline reads (region us). */
export const TOPIC_CELLS = ['us/cell-1', 'us/cell-2'];
/** Where the connector writes: the Connect worker of region us runs on us/cell-1. */
export const CDC_CELL = 'us/cell-1';

export interface Lab {
  id: string;
  config: TributaryConfig;
  /** Pipeline name per kind. */
  pipeline: Record<Kind, string>;
  /** Source table (schema public, source us) per pull kind and the captured table. */
  table: { fact: string; dimension: string; cdc: string };
  topic: string;
  cdcTopic: string;
  target: (kind: Kind) => [string, string];
}

export const FACT_COLUMNS = ['id', 'customer_id', 'amount', 'status', 'note', 'updated_at'];
export const DIMENSION_COLUMNS = ['id', 'name', 'tier', 'score', 'attrs'];
export const CDC_COLUMNS = ['id', 'name', 'amount', 'qty', 'at'];
export const TOPIC_COLUMNS = ['id', 'name', 'qty', 'at'];

export function newLab(heartbeatTimeoutSeconds: number): Lab {
  const id = `chaos_${randomBytes(3).toString('hex')}`;
  const table = { fact: `${id}_fact`, dimension: `${id}_dim`, cdc: `${id}_cdc` };
  const topic = `${id}_clicks`;
  const cdcTopic = `${id}.public.${table.cdc}`;
  const pipeline: Record<Kind, string> = { fact: `${id}_fact`, dimension: `${id}_dim`, topic: `${id}_topic`, cdc: `${id}_cdc` };
  const config = topicStackConfig(
    [
      {
        name: pipeline.fact,
        kind: 'fact',
        source: 'app',
        regions: ['us'],
        table: `public.${table.fact}`,
        key: ['id'],
        watermark: 'updated_at',
        options: { lagSeconds: 1, lookbackSeconds: 30, chunkRows: 5_000, maxParallel: 2 },
      },
      { name: pipeline.dimension, kind: 'dimension', source: 'app', regions: ['us'], table: `public.${table.dimension}`, key: ['id'], options: { deletes: 'hard' } },
      {
        name: pipeline.topic,
        kind: 'topic',
        source: 'events',
        regions: ['us'],
        topic,
        target: `${id}_topic`,
        // Append-only: every message is a row keyed by (cluster, partition, offset).
        columns: [
          { name: 'id', path: 'id', type: 'bigint', required: true },
          { name: 'name', path: 'name', type: 'text' },
          { name: 'qty', path: 'qty', type: 'integer' },
          { name: 'at', path: 'at', type: 'timestamptz' },
        ],
        options: { maxMessagesPerPartition: 1_000, maxBatchesPerPartition: 10, maxParallel: 2 },
      },
      {
        name: pipeline.cdc,
        kind: 'cdc',
        source: 'events',
        regions: ['us'],
        topic: cdcTopic,
        target: table.cdc,
        key: ['id'],
        options: { deletes: 'hard', maxMessagesPerPartition: 1_000 },
      },
    ],
    { schema: id, heartbeatTimeoutSeconds },
  );
  config.temporal.taskQueuePrefix = id.replace(/_/g, '-');
  const byKind = (kind: Kind) => config.pipelines.find((p) => p.name === pipeline[kind])!;
  return { id, config, pipeline, table, topic, cdcTopic, target: (kind) => targetTable(config, byKind(kind)) };
}

/** Source tables with their first rows, the topics, and the running connector (its snapshot under way). */
export async function createLab(lab: Lab, scale: number): Promise<void> {
  const rows = (n: number) => Math.max(100, Math.round(n * scale));
  await withClient(STACK.source.us!, async (c) => {
    const fact = `public.${ident(lab.table.fact)}`;
    await c.query(`CREATE TABLE ${fact} (id bigint PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2), status text NOT NULL,
      note text, updated_at timestamptz NOT NULL DEFAULT now())`);
    await c.query(`CREATE INDEX ON ${fact} (updated_at)`);
    await c.query(
      `INSERT INTO ${fact} SELECT g, g % 97, CASE WHEN g % 11 = 0 THEN NULL ELSE (g % 10007) / 100.0 END, (ARRAY['new','paid','shipped'])[1 + g % 3],
              CASE WHEN g % 5 = 0 THEN NULL ELSE 'note ' || g || E', "quoted"\\n≠' END, now() - interval '1 hour' + g * interval '1 millisecond'
         FROM generate_series(1, $1::int) g`,
      [rows(60_000)],
    );
    const dim = `public.${ident(lab.table.dimension)}`;
    await c.query(`CREATE TABLE ${dim} (id integer PRIMARY KEY, name text NOT NULL, tier text, score integer, attrs jsonb)`);
    await c.query(`INSERT INTO ${dim} SELECT g, 'customer ' || g, (ARRAY['gold','silver',NULL])[1 + g % 3], g % 1000, jsonb_build_object('n', g) FROM generate_series(1, $1::int) g`, [
      rows(20_000),
    ]);
    const cdc = `public.${ident(lab.table.cdc)}`;
    await c.query(`CREATE TABLE ${cdc} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,3), qty integer, at timestamptz)`);
    await c.query(`INSERT INTO ${cdc} SELECT g, 'seed ' || g, g * 1.5, g % 97, timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, $1::int) g`, [rows(3_000)]);
  });
  for (const cell of TOPIC_CELLS) await createTopic(cell, lab.topic, 4);
  await createTopic(CDC_CELL, lab.cdcTopic, 2);
  await createPublication(STACK.source.us!, lab.id, [`public.${lab.table.cdc}`]);
  await registerConnector(STACK.connect.us!, lab.id, labConnector(lab));
}

/** The lab's Debezium connector (topic prefix, slot and publication: the lab's id). */
export function labConnector(lab: Lab): Record<string, string> {
  return connectorConfig('us', lab.id, [`public.${lab.table.cdc}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' });
}

/** Initial row counts, to size the writers' id ranges. */
export async function maxIds(lab: Lab): Promise<{ fact: number; dimension: number; cdc: number }> {
  return withClient(STACK.source.us!, async (c) => {
    const max = async (t: string) => Number((await c.query<{ m: string | null }>(`SELECT max(id)::text AS m FROM public.${ident(t)}`)).rows[0]!.m ?? 0);
    return { fact: await max(lab.table.fact), dimension: await max(lab.table.dimension), cdc: await max(lab.table.cdc) };
  });
}

/** Drops everything the lab made; each step on its own, so one failure does not leave the rest. */
export async function removeLab(lab: Lab): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  await step('connector', () =>
    removeConnector(STACK.connect.us!, STACK.source.us!, STACK.kafka[CDC_CELL]!, { connector: lab.id, slot: lab.id, publication: lab.id, topics: [lab.cdcTopic] }),
  );
  for (const cell of TOPIC_CELLS) await step(`topic on ${cell}`, () => deleteTopic(cell, lab.topic));
  await step('source tables', () =>
    withClient(STACK.source.us!, async (c) => {
      for (const t of Object.values(lab.table)) await c.query(`DROP TABLE IF EXISTS public.${ident(t)}`);
    }),
  );
  await step('warehouse schema', () => dropSchema(lab.id));
  return problems;
}

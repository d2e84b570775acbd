// Managed CDC in the config: what a server needs for Tributary to drive its connector (`cdc:` on a
// postgres server), where a region's Kafka Connect cluster is (`connect:` on a kafka cluster), a
// capture entry (`kind: cdc` with `capture:` and a list of tables), and its expansion into one
// cdc pipeline per table, each marked `managed` so `apply` keeps its connector in step.
import { z } from 'zod';
import { captureSlot, captureTopic, capturedPipelineName, defaultTopicPrefix } from '../names/managed-cdc.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const secretName = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a secret name in lower case: letters, digits, - and _').max(63);
const captureName = z
  .string({ error: 'expected a name (text)' })
  .regex(/^[a-z][a-z0-9_-]*$/, 'expected a name in lower case: letters, digits, - and _, starting with a letter')
  .max(63, 'expected a name of at most 63 characters');
const topicPrefix = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'expected a Kafka topic prefix (letters, digits, _ and -, parts joined by .)').max(200);

/** How the Connect worker finds a secret: a config provider reference such as ${env:NAME} or ${file:/path:key}. */
const providerRef = z
  .string({ error: 'expected a config provider reference like "${env:TRIBUTARY_CDC_PASSWORD}"' })
  .regex(/^\$\{[A-Za-z0-9_.-]+:[^{}]+\}$/, 'expected a config provider reference like "${env:TRIBUTARY_CDC_PASSWORD}" or "${file:/etc/connect/app.properties:password}"');

/** On a postgres server: what its Debezium connector logs in as, and who owns its publication. */
export const serverCdc = z.strictObject({
  /** The connector's role (LOGIN, REPLICATION, SELECT on the captured tables): username, and optionally host, port, dbname. */
  secret: secretName,
  /** The role's password as the Connect worker resolves it: the password itself never enters a connector config. */
  passwordRef: providerRef,
  /** The owner of the captured tables: Tributary creates and alters the publication and the signal table as it. Without it, `apply` checks that the owner made them. */
  ownerSecret: secretName.optional(),
});

/** Debezium settings Tributary sets itself: a capture may not override them. */
export const MANAGED_CONNECTOR_KEYS = [
  'connector.class',
  'database.hostname',
  'database.port',
  'database.user',
  'database.password',
  'database.dbname',
  'topic.prefix',
  'plugin.name',
  'slot.name',
  'publication.name',
  'publication.autocreate.mode',
  'table.include.list',
  'skipped.operations',
  'signal.enabled.channels',
  'signal.data.collection',
  'decimal.handling.mode',
  'time.precision.mode',
  'unavailable.value.placeholder',
  'key.converter',
  'key.converter.schemas.enable',
  'value.converter',
  'value.converter.schemas.enable',
];

const connectorExtras = z
  .record(z.string().regex(/^[a-z][a-z0-9._-]*$/, 'expected a Debezium setting name like "heartbeat.interval.ms"'), z.string({ error: 'expected the setting as text' }))
  .superRefine((r, ctx) => {
    for (const k of Object.keys(r)) {
      if (MANAGED_CONNECTOR_KEYS.includes(k) || k.startsWith('tributary.') || /password|secret/i.test(k)) {
        ctx.addIssue({ code: 'custom', path: [k], message: `expected a setting Tributary does not manage itself (and no secret), got "${k}"` });
      }
    }
  });

const keyColumns = z
  .array(z.string().regex(IDENT, 'expected a column name'), { error: 'expected a list of key columns' })
  .min(1, 'expected at least one key column')
  .refine((k) => new Set(k).size === k.length, 'expected each key column once');

const tableName = z
  .string({ error: 'expected a table name (text)' })
  .regex(/^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/, 'expected a table name like "orders" or "public.orders" (letters, digits and _)');

/** A capture entry's own part: the postgres source, its tables and the connector settings. */
export const captureSpec = z.strictObject({
  /** The postgres source captured: one connector per region, on its one server there. */
  from: captureName,
  tables: z
    .array(z.strictObject({ table: tableName, key: keyColumns.describe("the table's primary key (Debezium's message key)"), target: tableName.optional() }), {
      error: 'expected a list of tables, each { table, key }',
    })
    .min(1, 'expected at least one table'),
  /** Debezium's topic.prefix; by default "<taskQueuePrefix>.<name>". */
  topicPrefix: topicPrefix.optional(),
  /** Partitions of each table's topic when Tributary creates it. */
  partitions: z.number().int().min(1).max(1000).default(1),
  /** More Debezium settings (heartbeat.interval.ms, snapshot.mode, ...), never one Tributary sets. */
  connector: connectorExtras.optional(),
});

/**
 * On a table set: every table it finds is captured through one managed connector per region
 * (the set's name is the capture's), instead of pulled; keys come from the catalog.
 */
export const setCaptureSpec = captureSpec.omit({ from: true, tables: true }).extend({
  /** The kafka source whose cluster in each region has connect: (the pipelines' source). */
  kafka: captureName,
});

/** On a cdc pipeline: Tributary keeps its publication, connector and topic in step (`tributary apply`). */
export const managedSpec = z.strictObject({
  /** The capture entry: one connector per capture and region. */
  capture: captureName,
  topicPrefix,
  partitions: z.number().int().min(1).max(1000).default(1),
  connector: connectorExtras.optional(),
});

export type CaptureSpec = z.output<typeof captureSpec>;
export type ManagedSpec = z.output<typeof managedSpec>;
export type SetCaptureSpec = z.output<typeof setCaptureSpec>;

interface CaptureEntry {
  name: string;
  source: string;
  regions?: string[] | undefined;
  paused: boolean;
  schedule: string;
  options: object;
  /** A capture's list of tables is not read here: a table set has none (its catalog gives them). */
  capture: Omit<CaptureSpec, 'tables'>;
}

/** Schema and table of "orders" or "public.orders". */
function split(table: string): [string, string] {
  const parts = table.split('.');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : ['public', parts[0]!];
}

/** One cdc pipeline per table of a capture entry, in the order of its list. */
export function expandCapture<E extends CaptureEntry & { capture: CaptureSpec }>(entry: E, prefix: string) {
  return entry.capture.tables.map((t) => {
    const [schema, table] = split(t.table);
    return capturedTablePipeline(entry, prefix, { schema, table, key: t.key, ...(t.target ? { target: t.target } : {}) });
  });
}

/**
 * The managed cdc pipeline of one captured table: what a capture's list makes of each entry, and
 * what a table set with keys from the catalog can make of each table it finds.
 */
export function capturedTablePipeline<E extends CaptureEntry>(entry: E, prefix: string, t: { schema: string; table: string; key: string[]; target?: string; name?: string }) {
  const { capture, ...rest } = entry;
  const topics = capture.topicPrefix ?? defaultTopicPrefix(prefix, entry.name);
  return {
    ...rest,
    kind: 'cdc' as const,
    name: t.name ?? capturedPipelineName(entry.name, t.schema, t.table),
    topic: captureTopic(topics, t.schema, t.table),
    target: t.target ?? t.table,
    key: t.key,
    options: { ...entry.options, capturedFrom: { source: capture.from, table: `${t.schema}.${t.table}` } },
    managed: { capture: entry.name, topicPrefix: topics, partitions: capture.partitions, ...(capture.connector ? { connector: capture.connector } : {}) },
  };
}

/** Problems of one capture's name at the source: its slot's length. */
export function captureNameProblem(prefix: string, capture: string): string | undefined {
  const slot = captureSlot(prefix, capture);
  return slot.length > 63 ? `expected a shorter name: its replication slot "${slot}" is longer than 63 characters` : undefined;
}

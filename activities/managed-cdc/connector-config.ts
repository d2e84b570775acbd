// Pure: the Debezium PostgreSQL connector config of a capture, as Tributary registers it. The
// password is the server's config provider reference (resolved by the Connect worker), never the
// password; truncates are emitted (Debezium skips them by default); the source signal channel
// reads tributary.debezium_signal, which apply uses to snapshot added tables.
import { CONNECTOR_MARK, SIGNAL_COLLECTION } from '../../names/managed-cdc.js';
import type { RegionCapture } from './captures.js';

/** Where and as whom the connector logs in: the non-secret part of the CDC role's secret. */
export interface Login {
  host: string;
  port: number;
  dbname: string;
  username: string;
}

/** A Java regex of one table for table.include.list: the dot between schema and table is literal. */
export function includePattern(schema: string, table: string): string {
  return `${schema}.${table}`.replace(/[.$]/g, (c) => `\\${c}`);
}

export function connectorConfig(c: RegionCapture, login: Login, markerPrefix: string): Record<string, string> {
  const json = 'org.apache.kafka.connect.json.JsonConverter';
  return {
    ...c.managed.connector,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': login.host,
    'database.port': String(login.port),
    'database.dbname': login.dbname,
    'database.user': login.username,
    'database.password': c.cdc.passwordRef,
    'topic.prefix': c.managed.topicPrefix,
    'plugin.name': 'pgoutput',
    'slot.name': c.slot,
    'publication.name': c.publication,
    'publication.autocreate.mode': 'disabled',
    'table.include.list': c.tables.map((t) => includePattern(t.schema, t.table)).join(','),
    'skipped.operations': 'none',
    'signal.enabled.channels': 'source',
    'signal.data.collection': SIGNAL_COLLECTION,
    'decimal.handling.mode': c.decoding.decimalHandlingMode,
    'time.precision.mode': c.decoding.timePrecisionMode,
    'interval.handling.mode': c.decoding.intervalHandlingMode,
    ...(c.decoding.unavailableValue ? { 'unavailable.value.placeholder': c.decoding.unavailableValue } : {}),
    'key.converter': json,
    'key.converter.schemas.enable': 'true',
    'value.converter': json,
    'value.converter.schemas.enable': 'true',
    ...(c.managed.connector?.['snapshot.mode'] ? {} : { 'snapshot.mode': 'initial' }),
    [CONNECTOR_MARK.managedBy]: markerPrefix,
    [CONNECTOR_MARK.capture]: c.capture,
    [CONNECTOR_MARK.source]: c.server.id,
  };
}

/** The keys whose values differ between what Connect holds and what is wanted (Connect adds "name"). */
export function configChanges(existing: Record<string, string> | undefined, wanted: Record<string, string>): string[] {
  if (!existing) return Object.keys(wanted);
  const keys = new Set([...Object.keys(existing), ...Object.keys(wanted)]);
  keys.delete('name');
  return [...keys].filter((k) => existing[k] !== wanted[k]).sort();
}

/** The tables of a table.include.list Tributary wrote, back as "schema.table". */
export function includedTables(list: string | undefined): string[] {
  if (!list) return [];
  return list.split(',').map((p) => p.replace(/\\(.)/g, '$1'));
}

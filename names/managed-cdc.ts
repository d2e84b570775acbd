// What managed CDC calls things at the source, on Kafka Connect and on Kafka: the connector of a
// capture, its replication slot and publication, its topic prefix and topics, the pipelines a
// capture entry expands into, and the marks that say a connector is ours. Every name starts with
// the deployment's prefix, so two deployments capturing one server never share a slot.
import { prefixOf, type Deployment } from './deployment.js';

/** Debezium's signal table in every captured database (the source signal channel). */
export const SIGNAL_SCHEMA = 'tributary';
export const SIGNAL_TABLE = 'debezium_signal';
export const SIGNAL_COLLECTION = `${SIGNAL_SCHEMA}.${SIGNAL_TABLE}`;

/** Keys Tributary adds to the configs of the connectors it makes (Connect keeps unknown keys). */
export const CONNECTOR_MARK = {
  /** The deployment's prefix: only connectors with ours are touched. */
  managedBy: 'tributary.managed-by',
  /** The capture entry the connector serves. */
  capture: 'tributary.capture',
  /** The source server it reads ("app/us"), to find the slot again once the capture is gone. */
  source: 'tributary.source',
} as const;

/** The connector of a capture on its region's Connect cluster: "<prefix>-<capture>". */
export function captureConnector(d: Deployment, capture: string): string {
  return `${prefixOf(d)}-${capture}`;
}

/** Its replication slot and publication on the captured server (lower case, digits and _ only). */
export function captureSlot(d: Deployment, capture: string): string {
  return `${prefixOf(d)}_${capture}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** The Debezium topic prefix when the capture does not name one: "<prefix>.<capture>". */
export function defaultTopicPrefix(d: Deployment, capture: string): string {
  return `${prefixOf(d)}.${capture}`;
}

/** Debezium's topic of one table: "<topic prefix>.<schema>.<table>". */
export function captureTopic(topicPrefix: string, schema: string, table: string): string {
  return `${topicPrefix}.${schema}.${table}`;
}

/** The pipeline of one captured table: "<capture>-<table>", with the schema unless it is public. */
export function capturedPipelineName(capture: string, schema: string, table: string): string {
  return `${capture}-${schema === 'public' ? '' : `${schema}-`}${table}`.toLowerCase();
}

// Pure: the managed cdc pipelines of a config grouped into captures, one per capture and region:
// the connector, slot and publication it needs, the server it reads, the Connect cluster it runs
// on and the Kafka cluster its topics are on, and its tables with their keys and topics.
import { kafkaEndpoints, pipelineRegions, postgresEndpoints, sourceTable, type KafkaEndpoint, type PostgresEndpoint } from '../../config/resolve.js';
import type { CdcPipelineConfig, TributaryConfig } from '../../config/schema.js';
import type { ManagedSpec } from '../../config/capture.js';
import { captureConnector, captureSlot } from '../../names/managed-cdc.js';
import type { ConnectEndpoint } from './connect-rest.js';

export interface CapturedTable {
  pipeline: string;
  schema: string;
  table: string;
  key: string[];
  topic: string;
}

export interface ServerCdc {
  secret: string;
  passwordRef: string;
  ownerSecret?: string;
}

export interface RegionCapture {
  capture: string;
  region: string;
  connector: string;
  /** Slot and publication share this name. */
  slot: string;
  publication: string;
  managed: ManagedSpec;
  server: PostgresEndpoint;
  cdc: ServerCdc;
  connectUrl: string;
  /** The Connect cluster's REST API: URL, secret and TLS files. */
  connect: ConnectEndpoint;
  kafka: KafkaEndpoint;
  /** The connector's decoding settings the pipelines read its events with. */
  decoding: { decimalHandlingMode: string; timePrecisionMode: string; intervalHandlingMode: string; unavailableValue?: string };
  tables: CapturedTable[];
}

export function isManaged(p: { kind: string; managed?: unknown }): p is CdcPipelineConfig & { managed: ManagedSpec } {
  return p.kind === 'cdc' && p.managed !== undefined;
}

/** Every capture of the config in every region it runs in, in config order (validated by config/schema.ts). */
export function regionCaptures(config: TributaryConfig): RegionCapture[] {
  const out = new Map<string, RegionCapture>();
  for (const p of config.pipelines) {
    if (!isManaged(p)) continue;
    const from = p.options.capturedFrom!;
    const [schema, table] = sourceTable(from.table);
    for (const region of pipelineRegions(config, p)) {
      const id = `${p.managed.capture}\u0000${region}`;
      let c = out.get(id);
      if (!c) {
        const server = postgresEndpoints(config, from.source, region)[0]!;
        const src = config.sources[from.source];
        const cdc = src?.type === 'postgres' ? src.servers.find((s) => s.region === region)?.cdc : undefined;
        const cluster = config.sources[p.source];
        const connect = cluster?.type === 'kafka' ? cluster.clusters.find((k) => k.region === region && k.connect) : undefined;
        if (!cdc || !connect?.connect) throw new Error(`capture ${p.managed.capture} in region ${region}: the config lacks cdc: on the server or connect: on the cluster`);
        c = {
          capture: p.managed.capture,
          region,
          connector: captureConnector(config, p.managed.capture),
          slot: captureSlot(config, p.managed.capture),
          publication: captureSlot(config, p.managed.capture),
          managed: p.managed,
          server,
          cdc,
          connectUrl: connect.connect.url.replace(/\/+$/, ''),
          connect: connect.connect,
          kafka: kafkaEndpoints(config, p.source, region).find((e) => e.cell === connect.cell)!,
          decoding: { decimalHandlingMode: p.options.decimalHandlingMode, timePrecisionMode: p.options.timePrecisionMode, intervalHandlingMode: p.options.intervalHandlingMode, ...(p.options.unavailableValue ? { unavailableValue: p.options.unavailableValue } : {}) },
          tables: [],
        };
        out.set(id, c);
      }
      c.tables.push({ pipeline: p.name, schema, table, key: p.key, topic: p.topic });
    }
  }
  return [...out.values()];
}

/** The capture a managed pipeline belongs to in one region. */
export function captureOf(config: TributaryConfig, pipeline: string, region: string): RegionCapture | undefined {
  return regionCaptures(config).find((c) => c.region === region && c.tables.some((t) => t.pipeline === pipeline));
}

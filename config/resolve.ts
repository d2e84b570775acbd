// Pure look-ups over a validated config: which regions a pipeline runs in, which servers or
// clusters serve it there, and where it lands. Task queues and workflow ids are in names/.
import type { KafkaClusterConfig, PipelineConfig, PostgresServerConfig, TributaryConfig } from './schema.js';
import { resolveTarget } from './targets.js';

export function findPipeline(cfg: TributaryConfig, name: string): PipelineConfig {
  const p = cfg.pipelines.find((x) => x.name === name);
  if (!p) {
    const known = cfg.pipelines.map((x) => x.name).join(', ') || 'none';
    throw new Error(`pipeline "${name}" is not in the config (declared: ${known})`);
  }
  return p;
}

/** Every region a source serves, in config order. */
export function sourceRegions(cfg: TributaryConfig, sourceName: string): string[] {
  const src = cfg.sources[sourceName];
  if (!src) throw new Error(`source "${sourceName}" is not in the config`);
  const places = src.type === 'postgres' ? src.servers : src.clusters;
  return [...new Set(places.map((p) => p.region))];
}

/** The regions a pipeline runs in: its own list, else every region of its source. */
export function pipelineRegions(cfg: TributaryConfig, p: PipelineConfig): string[] {
  return p.regions ?? sourceRegions(cfg, p.source);
}

/** Every region any pipeline or table set runs in: one worker task queue each. */
export function allRegions(cfg: TributaryConfig): string[] {
  return [...new Set([...cfg.pipelines.flatMap((p) => pipelineRegions(cfg, p)), ...cfg.tableSets.flatMap((s) => s.regions ?? sourceRegions(cfg, s.source))])];
}

/** A PostgreSQL server of a source in one region, with a stable id for checkpoints and logs. */
export interface PostgresEndpoint {
  id: string;
  source: string;
  region: string;
  cell?: string;
  host?: string;
  port?: number;
  database?: string;
  secret: string;
  tls?: PostgresServerConfig['tls'];
  /** The primary of a hot standby: where the safe upper bound is taken. */
  primary?: { host: string; port?: number };
  /** A role that may write Debezium's signal table (CDC resnapshots). */
  signalSecret?: string;
}

export function postgresEndpoints(cfg: TributaryConfig, sourceName: string, region: string): PostgresEndpoint[] {
  const src = cfg.sources[sourceName];
  if (!src || src.type !== 'postgres') throw new Error(`source "${sourceName}" is not a postgres source`);
  const servers = src.servers.filter((s) => s.region === region);
  if (servers.length === 0) throw new Error(`source "${sourceName}" has no server in region "${region}"`);
  return servers.map((s) => ({
    id: [sourceName, s.region, s.cell].filter(Boolean).join('/'),
    source: sourceName,
    region: s.region,
    cell: s.cell,
    host: s.host,
    port: s.port,
    database: s.database,
    secret: s.secret,
    ...(s.tls ? { tls: s.tls } : {}),
    ...(s.primary ? { primary: s.primary } : {}),
    ...(s.signalSecret ? { signalSecret: s.signalSecret } : {}),
  }));
}

/** A Kafka cluster of a source in one region (one per cell), with a stable id for the offsets ledger and logs. */
export interface KafkaEndpoint {
  /** "events/us/cell-1" */
  id: string;
  source: string;
  region: string;
  cell: string;
  brokers: string[];
  secret?: string;
  tls?: KafkaClusterConfig['tls'];
  allowPlaintextSasl?: boolean;
  /** AWS MSK IAM (SASL OAUTHBEARER with a signed token) instead of the secret's SASL user. */
  auth?: KafkaClusterConfig['auth'];
}

/** Every cell cluster of a Kafka source in one region, in config order. */
export function kafkaEndpoints(cfg: TributaryConfig, sourceName: string, region: string): KafkaEndpoint[] {
  const src = cfg.sources[sourceName];
  if (!src || src.type !== 'kafka') throw new Error(`source "${sourceName}" is not a kafka source`);
  const clusters = src.clusters.filter((c) => c.region === region);
  if (clusters.length === 0) throw new Error(`source "${sourceName}" has no cluster in region "${region}"`);
  return clusters.map((c) => ({ id: `${sourceName}/${c.region}/${c.cell}`, source: sourceName, region: c.region, cell: c.cell, brokers: c.brokers, secret: c.secret, ...(c.tls ? { tls: c.tls } : {}), allowPlaintextSasl: c.allowPlaintextSasl, ...(c.auth ? { auth: c.auth } : {}) }));
}

/** Target table as [schema, table]: the pipeline's target, else the source table's name in the warehouse schema. */
export function targetTable(cfg: TributaryConfig, p: PipelineConfig): [string, string] {
  return resolveTarget(cfg.warehouse.schema, { name: p.name, target: p.target, table: 'table' in p ? p.table : undefined });
}

/** Source table as [schema, table]; unqualified names are in "public". */
export function sourceTable(table: string): [string, string] {
  const parts = table.split('.');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : ['public', parts[0]!];
}

/** A pipeline's verify settings; undefined when it says `verify: false` or its kind has none (topics). */
export function verifySettings(p: PipelineConfig): Exclude<Extract<PipelineConfig, { verify: unknown }>['verify'], false> | undefined {
  return 'verify' in p && p.verify !== false ? p.verify : undefined;
}

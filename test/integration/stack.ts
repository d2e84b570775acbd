// The local stack as the integration tests see it (infra/local), and a config pointing at it
// with names of its own per test file, so files never share tables, schemas or task queues.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { validateConfig } from '../../config/load.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { S3StageConfig } from '../../activities/stage/s3-stage.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function tlsFiles(dir: string) {
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') };
}

export const STACK = {
  temporal: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  source: {
    us: process.env.TRIBUTARY_PG_SOURCE_US ?? 'postgres://postgres:postgres@127.0.0.1:55432/app',
    eu: process.env.TRIBUTARY_PG_SOURCE_EU ?? 'postgres://postgres:postgres@127.0.0.1:55433/app',
  } as Record<string, string>,
  warehouse: process.env.TRIBUTARY_PG_WAREHOUSE ?? 'postgres://postgres:postgres@127.0.0.1:55434/warehouse',
  kafka: {
    'us/cell-1': process.env.TRIBUTARY_KAFKA_US_CELL_1 ?? '127.0.0.1:19092',
    'us/cell-2': process.env.TRIBUTARY_KAFKA_US_CELL_2 ?? '127.0.0.1:19093',
    'eu/cell-1': process.env.TRIBUTARY_KAFKA_EU_CELL_1 ?? '127.0.0.1:19094',
  } as Record<string, string>,
  /** S3-compatible server (versitygw); its credentials are the "stage-s3" secret in infra/local/secrets.json. */
  s3: {
    endpoint: process.env.TRIBUTARY_S3_ENDPOINT ?? 'http://127.0.0.1:59000',
    region: process.env.TRIBUTARY_S3_REGION ?? 'us-east-1',
    bucket: process.env.TRIBUTARY_S3_BUCKET ?? 'tributary-stage',
  },
  /** The local CA infra/local/start.sh made, and the client certificate it signed (CN tributary_tls). */
  tls: tlsFiles(process.env.TRIBUTARY_TLS_DIR ?? join(ROOT, '.local-stack/tls')),
  /**
   * Kafka Connect REST API (Debezium PostgreSQL connector installed), one worker per region: HTTPS
   * with the local CA's certificate and basic auth, the user and password being secret
   * CONNECT_SECRET (see connectConfig).
   */
  connect: {
    us: process.env.TRIBUTARY_CONNECT_US ?? 'https://127.0.0.1:18083',
    eu: process.env.TRIBUTARY_CONNECT_EU ?? 'https://127.0.0.1:18084',
  } as Record<string, string>,
};

/** The secret in infra/local/secrets.json with the local Connect workers' REST user and password. */
export const CONNECT_SECRET = 'connect-local';

/** A cluster's connect: block for the local Connect worker of a region (HTTPS, the local CA, basic auth). */
export function connectConfig(region: string): { url: string; secret: string; tls: { caFile: string } } {
  return { url: STACK.connect[region]!, secret: CONNECT_SECRET, tls: { caFile: STACK.tls.caFile } };
}

/** A stage on the local S3 server (its "stage-s3" secret) under `prefix`: four slices, 1 MB files, swept after 3 days. */
export function s3StageConfig(prefix: string, over: Partial<S3StageConfig> = {}): S3StageConfig {
  return {
    type: 's3',
    bucket: STACK.s3.bucket,
    prefix,
    awsRegion: STACK.s3.region,
    endpoint: STACK.s3.endpoint,
    forcePathStyle: true,
    secret: 'stage-s3',
    retentionDays: 3,
    retentionBy: 'sweep',
    sliceCount: 4,
    maxFileMB: 1,
    ...over,
  };
}

/** Writes the config to config.json in a fresh temp folder (for worker processes and the CLI); its path. */
export function writeConfigFile(config: TributaryConfig): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  await client.connect();
  return client;
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connect(url);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The product's PostgreSQL sessions in the tests: TLS, checking the local CA and the host name. */
export const PG_TLS = { mode: 'verify-full', caFile: STACK.tls.caFile } as const;

/** A config on the local stack with its own warehouse schema, stage folder and task queues. */
export function stackConfig(
  pipelines: unknown[],
  opts: { schema?: string; heartbeatTimeoutSeconds?: number; /** more sources, beside "app" */ sources?: Record<string, unknown>; tableSets?: unknown[] } = {},
): TributaryConfig {
  const id = randomBytes(3).toString('hex');
  return validateConfig('test-config', {
    sources: {
      app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us', tls: PG_TLS }, { region: 'eu', secret: 'app-eu', tls: PG_TLS }] },
      ...opts.sources,
    },
    warehouse: { type: 'postgres', secret: 'warehouse', schema: opts.schema ?? `test_${id}`, tls: PG_TLS },
    stage: { type: 'file', path: mkdtempSync(join(tmpdir(), 'tributary-stage-')) },
    secrets: { provider: 'file', path: process.env.TRIBUTARY_SECRETS_FILE ?? join(ROOT, 'infra/local/secrets.json') },
    temporal: { address: STACK.temporal, taskQueuePrefix: `test-${id}`, heartbeatTimeoutSeconds: opts.heartbeatTimeoutSeconds ?? 10 },
    pipelines,
    ...(opts.tableSets ? { tableSets: opts.tableSets } : {}),
  });
}

// The pipeline config: the one place where every source, the warehouse and every pipeline is
// declared. Validated before anything runs; messages say what was expected, the loader adds
// the file and the path.
import { z } from 'zod';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUALIFIED = /^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/;

/** A column or schema name: letters, digits and _, at most 63 bytes (PostgreSQL's limit; Redshift allows 127). */
export const identifier = z
  .string({ error: 'expected a column name (text)' })
  .regex(IDENT, 'expected an SQL identifier: letters, digits and _, not starting with a digit')
  .max(63, 'expected an SQL identifier of at most 63 characters');

/** `table` or `schema.table`. */
export const tableName = z
  .string({ error: 'expected a table name (text)' })
  .regex(QUALIFIED, 'expected a table name like "orders" or "public.orders" (letters, digits and _)')
  .max(127, 'expected a table name of at most 127 characters');

const name = z
  .string({ error: 'expected a name (text)' })
  .regex(/^[a-z][a-z0-9_-]*$/, 'expected a name in lower case: letters, digits, - and _, starting with a letter')
  .max(63, 'expected a name of at most 63 characters');

const region = z
  .string({ error: 'expected a region name (text)' })
  .regex(/^[a-z][a-z0-9-]*$/, 'expected a region name in lower case, like "us" or "eu-west-1"');

const port = z
  .number({ error: 'expected a port number' })
  .int('expected a whole port number')
  .min(1, 'expected a port between 1 and 65535')
  .max(65535, 'expected a port between 1 and 65535');

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
/** A five-field cron expression (minute hour day-of-month month day-of-week), or a Temporal @every interval. */
export const cron = z
  .string({ error: 'expected a cron expression (text)' })
  .refine(
    (s) => /^@every \d+[smh]$/.test(s) || (s.trim().split(/\s+/).length === 5 && s.trim().split(/\s+/).every((f) => CRON_FIELD.test(f))),
    'expected a cron expression with five fields like "*/15 * * * *", or "@every 10m"',
  );

/** An IANA time zone name as PostgreSQL and the JS runtime both know it, e.g. "America/New_York". */
export const timeZone = z.string({ error: 'expected a time zone name like "America/New_York" (text)' }).refine((z) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone name like "America/New_York", "Asia/Tokyo" or "UTC"');

const seconds = (what: string) =>
  z.number({ error: `expected ${what} in seconds (a number)` }).int(`expected whole seconds for ${what}`).min(0, `expected ${what} >= 0 seconds`);

/**
 * PEM files (paths relative to the config file): a CA bundle to trust, a client certificate and
 * its key. The secret may carry the same material as text instead (tlsCa, tlsCert, tlsPrivateKey).
 */
const tlsFiles = {
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
};

/** PostgreSQL TLS, as libpq's sslmode: verify-full checks the CA and the host name (see docs/security.md). */
const pgTls = z
  .strictObject({
    mode: z.enum(['disable', 'require', 'verify-ca', 'verify-full'], { error: 'expected sslmode "disable", "require", "verify-ca" or "verify-full"' }).default('verify-full'),
    ...tlsFiles,
  })
  .optional();

const postgresServer = z.strictObject({
  region,
  cell: name.optional(),
  host: z.string().min(1).optional(),
  port: port.optional(),
  database: z.string().min(1).optional(),
  secret: name.describe('the secret holding username and password (and optionally host, port, dbname)'),
  /** TLS to this server (and its primary); without it the secret's sslmode, else plaintext. */
  tls: pgTls,
  /**
   * When this server is a hot standby: the primary it replays. A standby's snapshot cannot see
   * the primary's open transactions, so the safe upper bound is taken there (same database and
   * secret); rows are still read from the standby, once it has replayed up to that point.
   */
  primary: z.strictObject({ host: z.string().min(1), port: port.optional() }).optional(),
});

const broker = z
  .string({ error: 'expected a broker address "host:port"' })
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected a broker address "host:port"');

/** Kafka TLS: on when present; the CA and client certificate as files here or PEM in the secret. */
const kafkaTls = z.strictObject({ ...tlsFiles, /** SNI and the name checked, when it is not the broker's host. */ serverName: z.string().min(1).optional() }).optional();

const kafkaCluster = z.strictObject({
  region,
  cell: name,
  brokers: z.array(broker, { error: 'expected a list of broker addresses' }).min(1, 'expected at least one broker'),
  secret: name.optional(),
  tls: kafkaTls,
  /** SASL passwords travel over TLS only; true lets a local test cluster take them in plaintext. */
  allowPlaintextSasl: z.boolean().default(false),
});

const postgresSource = z.strictObject({
  type: z.literal('postgres'),
  servers: z.array(postgresServer, { error: 'expected a list of servers' }).min(1, 'expected at least one server'),
});

const kafkaSource = z.strictObject({
  type: z.literal('kafka'),
  clusters: z.array(kafkaCluster, { error: 'expected a list of clusters' }).min(1, 'expected at least one cluster'),
});

const source = z.discriminatedUnion('type', [postgresSource, kafkaSource], {
  error: 'expected a source with type "postgres" (servers) or "kafka" (clusters)',
});

const postgresWarehouse = z.strictObject({
  type: z.literal('postgres'),
  host: z.string().min(1).optional(),
  port: port.optional(),
  database: z.string().min(1).optional(),
  schema: identifier.default('analytics'),
  secret: name,
  tls: pgTls,
  /** Merges running at once against this warehouse, across all pipelines of a worker. */
  maxConcurrentMerges: z.number().int().min(1).default(4),
});

const redshiftWarehouse = z
  .strictObject({
    type: z.literal('redshift'),
    awsRegion: z.string().min(1),
    database: z.string().min(1),
    schema: identifier.default('analytics'),
    /** Auth, one of: a Serverless workgroup (IAM or secretArn), a cluster with dbUser, or a cluster with secretArn. */
    workgroup: z.string().min(1).optional(),
    clusterIdentifier: z.string().min(1).optional(),
    dbUser: z.string().min(1).optional(),
    secretArn: z.string().startsWith('arn:', 'expected a Secrets Manager ARN').optional(),
    copyRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, 'expected an IAM role ARN like arn:aws:iam::123456789012:role/name'),
    /** Merges in flight against this workgroup or cluster, across all pipelines (see docs/redshift.md). */
    maxConcurrentMerges: z.number().int().min(1).default(4),
    /** A staged value longer than its VARCHAR column (bytes): widen the column (up to 65535), or quarantine the row. */
    varcharOverflow: z.enum(['widen', 'quarantine'], { error: 'expected "widen" or "quarantine"' }).default('widen'),
  })
  .superRefine((w, ctx) => {
    if (!w.workgroup === !w.clusterIdentifier) {
      ctx.addIssue({ code: 'custom', path: ['workgroup'], message: 'expected exactly one of workgroup (Serverless) or clusterIdentifier (provisioned)' });
    }
    if (w.dbUser && !w.clusterIdentifier) ctx.addIssue({ code: 'custom', path: ['dbUser'], message: 'expected dbUser only with clusterIdentifier' });
    if (w.dbUser && w.secretArn) ctx.addIssue({ code: 'custom', path: ['secretArn'], message: 'expected either dbUser or secretArn, not both' });
    if (w.clusterIdentifier && !w.dbUser && !w.secretArn) {
      ctx.addIssue({ code: 'custom', path: ['clusterIdentifier'], message: 'expected dbUser or secretArn with clusterIdentifier' });
    }
  });

const warehouse = z.discriminatedUnion('type', [postgresWarehouse, redshiftWarehouse], {
  error: 'expected a warehouse with type "postgres" or "redshift"',
});

const stage = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('file'), path: z.string().min(1), retentionDays: z.number().int().min(0).default(7) }),
    z.strictObject({
      type: z.literal('s3'),
      bucket: z.string().min(3),
      prefix: z.string().default('tributary/'),
      awsRegion: z.string().min(1),
      endpoint: z.url().optional(),
      /** Path-style addressing (local S3 servers such as MinIO). */
      forcePathStyle: z.boolean().default(false),
      /** A secret with accessKeyId and secretAccessKey; without it, the default AWS credential chain. */
      secret: name.optional(),
      retentionDays: z.number().int().min(0).default(7),
      /** "lifecycle": an S3 lifecycle rule expires old batches (production); "sweep": workers list and delete them. */
      retentionBy: z.enum(['lifecycle', 'sweep']).default('lifecycle'),
      /** A batch is split into a multiple of this many files (the Redshift cluster's slice count). */
      sliceCount: z.number().int().min(1).max(1024).default(1),
      /** Each file is cut at about this many MB compressed (Redshift: 1 MB to 1 GB). */
      maxFileMB: z.number().int().min(1, 'expected at least 1 MB').max(1024, 'expected at most 1024 MB (1 GB)').default(256),
    }),
  ],
  { error: 'expected a stage with type "file" (path) or "s3" (bucket)' },
);

const metrics = z
  .strictObject({
    /** DogStatsD (Datadog agent); `tags` are added to every metric, e.g. { env: prod }. */
    statsd: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: port.default(8125),
        prefix: z.string().default('tributary.'),
        tags: z.record(z.string(), z.string(), { error: 'expected tags as a map of text values' }).optional(),
      })
      .optional(),
    /** GET /metrics on host:port: the pipeline metrics and (runtimeMetrics) the Temporal SDK's. */
    prometheus: z.strictObject({ port, host: z.string().default('0.0.0.0'), runtimeMetrics: z.boolean().default(true) }).optional(),
  })
  .default({});

const secrets = z.discriminatedUnion(
  'provider',
  [
    z.strictObject({ provider: z.literal('file'), path: z.string().min(1), ttlSeconds: seconds('the cache time').default(300) }),
    z.strictObject({ provider: z.literal('env'), prefix: z.string().default('TRIBUTARY_SECRET_'), ttlSeconds: seconds('the cache time').default(300) }),
    z.strictObject({ provider: z.literal('aws'), awsRegion: z.string().min(1), prefix: z.string().default(''), ttlSeconds: seconds('the cache time').default(300) }),
  ],
  { error: 'expected secrets with provider "file" (path), "env" or "aws"' },
);

const temporal = z
  .strictObject({
    address: z.string().default('127.0.0.1:7233'),
    namespace: z.string().default('default'),
    taskQueuePrefix: name.default('tributary'),
    /** How long a silent activity may go before Temporal retries it on another worker. */
    heartbeatTimeoutSeconds: seconds('the heartbeat timeout').min(1).default(30),
    /** TLS to the frontend: on when present (and whenever the secret holds an apiKey); mTLS with a client certificate. */
    tls: z.strictObject({ ...tlsFiles, /** The name checked on the server's certificate, when it is not the address's host. */ serverName: z.string().min(1).optional() }).optional(),
    /** A secret with apiKey (Temporal Cloud) and/or the mTLS PEM (tlsCert, tlsPrivateKey, tlsCa). */
    secret: name.optional(),
    /**
     * Workflow payloads encrypted with AES-256-GCM before they reach the server (docs/security.md):
     * the secret holds { currentKeyId, keys: [{ id, secretKey (base64, 32 bytes) }] }.
     */
    encryption: z.strictObject({ secret: name }).optional(),
  })
  .default({ address: '127.0.0.1:7233', namespace: 'default', taskQueuePrefix: 'tributary', heartbeatTimeoutSeconds: 30 });

const keyColumns = z
  .array(identifier, { error: 'expected a list of key columns' })
  .min(1, 'expected at least one key column')
  .refine((k) => new Set(k).size === k.length, 'expected each key column once');

const common = {
  name,
  source: name,
  target: tableName.optional(),
  regions: z.array(region).min(1, 'expected at least one region').optional(),
  paused: z.boolean().default(false),
};

/** What a merge does when the source has a column the warehouse table lacks. */
const onNewColumn = z.enum(['add', 'ignore', 'fail'], { error: 'expected "add", "ignore" or "fail"' }).default('add');

/** Reconciliation: `tributary verify` defaults, and a verify schedule of its own when `schedule` is set. */
const verify = z
  .strictObject({
    schedule: cron.optional(),
    buckets: z.number({ error: 'expected a number of buckets' }).int().min(1, 'expected at least 1 bucket').max(65_536, 'expected at most 65536 buckets').default(64),
    /** Scheduled verifies re-sync the drifted buckets too. */
    repair: z.boolean().default(false),
  })
  .optional();

const factPipeline = z.strictObject({
  ...common,
  kind: z.literal('fact'),
  table: tableName,
  key: keyColumns,
  watermark: identifier,
  /**
   * The zone a `timestamp without time zone` watermark's values are written in; by default the
   * source database's own TimeZone setting (as an application session gets it). Ignored for timestamptz.
   */
  watermarkTimeZone: timeZone.optional(),
  schedule: cron.default('*/15 * * * *'),
  verify,
  options: z
    .strictObject({
      /** The upper bound never passes now() minus this, whatever the open transactions say. */
      lagSeconds: seconds('lag').default(5),
      /** Each run re-reads this window below the checkpoint; the merge dedups by key. */
      lookbackSeconds: seconds('look-back').default(0),
      /** Units of work extracted at once for one run. */
      maxParallel: z.number().int().min(1).max(64).default(4),
      /** A range with more rows is cut into keyset chunks of about this many rows. */
      chunkRows: z.number({ error: 'expected a number of rows' }).int().min(1, 'expected at least 1 row per chunk').default(250_000),
      onNewColumn,
    })
    .default({ lagSeconds: 5, lookbackSeconds: 0, maxParallel: 4, chunkRows: 250_000, onNewColumn: 'add' }),
});

const dimensionPipeline = z.strictObject({
  ...common,
  kind: z.literal('dimension'),
  table: tableName,
  key: keyColumns,
  schedule: cron.default('0 3 * * *'),
  verify,
  options: z
    .strictObject({
      deletes: z.enum(['hard', 'soft'], { error: 'expected "hard" or "soft"' }).default('hard'),
      onNewColumn,
      /**
       * Incremental mode: read only the rows whose `column` moved past the checkpoint (safe
       * upper bound as for facts); a full pass, which also finds deletes, runs at least every
       * fullPassEveryHours. Without it every run reads the whole table.
       */
      incremental: z
        .strictObject({
          column: identifier,
          fullPassEveryHours: z.number({ error: 'expected a number of hours' }).int().min(1, 'expected at least 1 hour').default(24),
          lagSeconds: seconds('lag').default(5),
          lookbackSeconds: seconds('look-back').default(0),
          /** As a fact's watermarkTimeZone, for a `timestamp without time zone` change column. */
          timeZone: timeZone.optional(),
        })
        .optional(),
    })
    .default({ deletes: 'hard', onNewColumn: 'add' }),
});

const columnType = z.enum(['text', 'integer', 'bigint', 'numeric', 'double', 'boolean', 'timestamptz', 'date', 'jsonb'], {
  error: 'expected a column type: text, integer, bigint, numeric, double, boolean, timestamptz, date or jsonb',
});

/** A field path into a JSON message: "user.id", "items[0].sku", optionally "$."-prefixed. */
const jsonPath = z
  .string({ error: 'expected a JSON field path like "user.id" or "items[0].sku"' })
  .regex(/^(\$\.)?[^.[\]]+(\[\d+\])*(\.[^.[\]]+(\[\d+\])*)*$/, 'expected a JSON field path like "user.id" or "items[0].sku"');

/** Columns every topic target carries besides the mapped ones (names legal on Redshift too). */
const TOPIC_RESERVED = ['kafka_partition', 'kafka_offset', 'kafka_timestamp', '_cell', '_region', '_source', '_batch_id', '_extracted_at', '_loaded_at'];

const topicPipeline = z
  .strictObject({
    ...common,
    kind: z.literal('topic'),
    topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, ., _ and -)'),
    target: tableName,
    /** Upsert by these columns (newest offset wins); without a key every message is appended, keyed by cluster, partition and offset. */
    key: keyColumns.optional(),
    columns: z
      .array(z.strictObject({ name: identifier, path: jsonPath, type: columnType, required: z.boolean().default(false) }))
      .min(1, 'expected at least one column mapping'),
    schedule: cron.default('*/5 * * * *'),
    options: z
      .strictObject({
        /** One batch reads at most this many offsets of one partition. */
        maxMessagesPerPartition: z.number().int().min(1).default(500_000),
        /** Batches planned per partition and run; a longer backlog waits for the next run. */
        maxBatchesPerPartition: z.number().int().min(1).max(100).default(4),
        /** Batches extracted at once for one run. */
        maxParallel: z.number().int().min(1).max(64).default(4),
        /** Keep the whole message in this jsonb (SUPER on Redshift) column. */
        keepRawAs: identifier.optional(),
        /** A batch with more dead letters than this share of its messages fails the run. */
        maxDeadLetterRatio: z.number().min(0).max(1).default(0.01),
        /** A larger message value is dead-lettered as oversized. */
        maxMessageBytes: z.number().int().min(1).default(1_048_576),
      })
      .default({ maxMessagesPerPartition: 500_000, maxBatchesPerPartition: 4, maxParallel: 4, maxDeadLetterRatio: 0.01, maxMessageBytes: 1_048_576 }),
  })
  .superRefine((p, ctx) => {
    const names = new Set<string>();
    p.columns.forEach((c, i) => {
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: `expected each column once, but "${c.name}" is mapped twice` });
      if (TOPIC_RESERVED.includes(c.name)) {
        ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: `expected a column name other than the metadata columns (${TOPIC_RESERVED.join(', ')})` });
      }
      names.add(c.name);
    });
    (p.key ?? []).forEach((k, i) => {
      if (!names.has(k)) ctx.addIssue({ code: 'custom', path: ['key', i], message: `expected a key column among the mapped columns (${[...names].join(', ')}), got "${k}"` });
    });
    const raw = p.options.keepRawAs;
    if (raw !== undefined && (names.has(raw) || TOPIC_RESERVED.includes(raw))) {
      ctx.addIssue({ code: 'custom', path: ['options', 'keepRawAs'], message: `expected a column name not otherwise used, got "${raw}"` });
    }
  });

const cdcPipeline = z.strictObject({
  ...common,
  kind: z.literal('cdc'),
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, ., _ and -)'),
  target: tableName,
  key: keyColumns,
  schedule: cron.default('*/5 * * * *'),
  options: z
    .strictObject({
      deletes: z.enum(['hard', 'soft'], { error: 'expected "hard" or "soft"' }).default('hard'),
      onNewColumn,
      /** A truncate at the source: empty the target's rows of that source (per `deletes`), skip it, or fail the batch. */
      onTruncate: z.enum(['apply', 'ignore', 'fail'], { error: 'expected "apply", "ignore" or "fail"' }).default('apply'),
      /** The PostgreSQL source and table the connector captures: what `tributary verify` compares the target with. */
      capturedFrom: z.strictObject({ source: name, table: tableName }).optional(),
      /** The connector's settings (read for messages without JSON schemas; see docs/cdc.md). */
      decimalHandlingMode: z.enum(['precise', 'string', 'double'], { error: 'expected "precise", "string" or "double"' }).default('precise'),
      timePrecisionMode: z.enum(['adaptive', 'adaptive_time_microseconds', 'connect'], { error: 'expected "adaptive", "adaptive_time_microseconds" or "connect"' }).default('adaptive'),
      /** The connector's unavailable.value.placeholder, if changed. */
      unavailableValue: z.string().min(1).optional(),
      /** Source column types (as format_type prints them), required when the converter writes no schemas. */
      columnTypes: z
        .record(
          identifier,
          z.string().regex(/^[a-z][a-z0-9 _]*(\(\d{1,4}(,\s*\d{1,4})?\))?( with(out)? time zone)?(\[\])?$/, 'expected a PostgreSQL type like "bigint", "numeric(12,2)" or "timestamp with time zone"'),
        )
        .optional(),
      /** One batch reads at most this many offsets of one partition. */
      maxMessagesPerPartition: z.number().int().min(1).default(100_000),
      /**
       * Batches per cell cluster in one run (or continuous poll): they apply in order, the next
       * one extracted while the one before merges.
       */
      maxBatchesPerRun: z.number().int().min(1).max(100).default(4),
      /** Continuous mode: poll this often when no batch is waiting. */
      intervalSeconds: seconds('the poll interval').min(1).default(5),
    })
    .default({ deletes: 'hard', onNewColumn: 'add', onTruncate: 'apply', decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive', maxMessagesPerPartition: 100_000, maxBatchesPerRun: 4, intervalSeconds: 5 }),
});

const pipeline = z.discriminatedUnion('kind', [factPipeline, dimensionPipeline, topicPipeline, cdcPipeline], {
  error: 'expected a pipeline with kind "fact", "dimension", "topic" or "cdc"',
});

const SOURCE_KIND = { fact: 'postgres', dimension: 'postgres', topic: 'kafka', cdc: 'kafka' } as const;

export const configSchema = z
  .strictObject({
    sources: z.record(name, source, { error: 'expected a map of source name to source' }),
    warehouse,
    stage,
    metrics,
    secrets,
    temporal,
    pipelines: z.array(pipeline, { error: 'expected a list of pipelines' }),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.warehouse.type === 'redshift' && cfg.stage.type !== 's3') {
      ctx.addIssue({ code: 'custom', path: ['stage', 'type'], message: 'expected an s3 stage: Redshift loads batches with COPY from S3' });
    }
    for (const [sourceName, src] of Object.entries(cfg.sources)) {
      const places = src.type === 'postgres' ? src.servers : src.clusters;
      const seen = new Set<string>();
      places.forEach((p, i) => {
        const where = `${p.region}/${p.cell ?? '-'}`;
        if (seen.has(where)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sources', sourceName, src.type === 'postgres' ? 'servers' : 'clusters', i],
            message: `expected one entry per region and cell, but ${where} is declared twice`,
          });
        }
        seen.add(where);
      });
    }
    const names = new Set<string>();
    cfg.pipelines.forEach((p, i) => {
      if (names.has(p.name)) {
        ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'name'], message: `expected a unique pipeline name, but "${p.name}" is used twice` });
      }
      names.add(p.name);
      const src = cfg.sources[p.source];
      if (!src) {
        const known = Object.keys(cfg.sources).join(', ') || 'none';
        ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'source'], message: `expected one of the declared sources (${known}), got "${p.source}"` });
        return;
      }
      if (src.type !== SOURCE_KIND[p.kind]) {
        ctx.addIssue({
          code: 'custom',
          path: ['pipelines', i, 'source'],
          message: `expected a ${SOURCE_KIND[p.kind]} source for a ${p.kind} pipeline, but "${p.source}" is ${src.type}`,
        });
        return;
      }
      const captured = p.kind === 'cdc' ? p.options.capturedFrom?.source : undefined;
      if (captured !== undefined && cfg.sources[captured]?.type !== 'postgres') {
        ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'options', 'capturedFrom', 'source'], message: `expected a declared postgres source, got "${captured}"` });
      }
      const sourceRegions = new Set((src.type === 'postgres' ? src.servers : src.clusters).map((s) => s.region));
      (p.regions ?? []).forEach((r, j) => {
        if (!sourceRegions.has(r)) {
          ctx.addIssue({
            code: 'custom',
            path: ['pipelines', i, 'regions', j],
            message: `expected a region of source "${p.source}" (${[...sourceRegions].join(', ')}), got "${r}"`,
          });
        }
      });
      if (p.kind === 'fact' && p.key.includes(p.watermark)) {
        ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'watermark'], message: 'expected a watermark column that is not part of the key' });
      }
    });
  });

export type TributaryConfig = z.infer<typeof configSchema>;
export type PipelineConfig = TributaryConfig['pipelines'][number];
export type FactPipelineConfig = Extract<PipelineConfig, { kind: 'fact' }>;
export type DimensionPipelineConfig = Extract<PipelineConfig, { kind: 'dimension' }>;
export type SourceConfig = TributaryConfig['sources'][string];
export type PostgresSourceConfig = Extract<SourceConfig, { type: 'postgres' }>;
export type PostgresServerConfig = PostgresSourceConfig['servers'][number];
export type KafkaSourceConfig = Extract<SourceConfig, { type: 'kafka' }>;
export type KafkaClusterConfig = KafkaSourceConfig['clusters'][number];
export type WarehouseConfig = TributaryConfig['warehouse'];
export type StageConfig = TributaryConfig['stage'];
export type SecretsConfig = TributaryConfig['secrets'];
export type MetricsConfig = TributaryConfig['metrics'];
export type TemporalConfig = TributaryConfig['temporal'];
export type TopicPipelineConfig = Extract<PipelineConfig, { kind: 'topic' }>;
export type CdcPipelineConfig = Extract<PipelineConfig, { kind: 'cdc' }>;

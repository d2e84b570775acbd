// The pipeline config: the one place where every source, the warehouse and every pipeline is
// declared. Validated before anything runs; messages say what was expected, the loader adds
// the file and the path.
import { z } from 'zod';
import { cronProblem } from './cron.js';
import { pgTypeProblem, topicTypeProblem } from './pg-type-name.js';
import { schemalessTypeProblem } from '../types/schemaless-cdc.js';
import { count, DAY, endpoint, host, HOUR, tags, text } from './limits.js';
import { credentialIn } from './credentials.js';
import { reservedTargetProblem, resolveTarget, sharedTargets } from './targets.js';
import { globMatches } from './table-sets/glob.js';
import { captureNameProblem, captureSpec, expandCapture, managedSpec, serverCdc, setCaptureSpec } from './capture.js';
import { captureConnector, captureSlot } from '../names/managed-cdc.js';

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
  .regex(/^[a-z][a-z0-9-]*$/, 'expected a region name in lower case, like "us" or "eu-west-1"')
  .max(63, 'expected a region name of at most 63 characters');

const port = z
  .number({ error: 'expected a port number' })
  .int('expected a whole port number')
  .min(1, 'expected a port between 1 and 65535')
  .max(65535, 'expected a port between 1 and 65535');

/** A five-field cron expression (minute hour day-of-month month day-of-week) that fires, or a Temporal @every interval above zero. */
export const cron = z
  .string({ error: 'expected a cron expression (text)' })
  .max(200, 'expected a cron expression of at most 200 characters')
  .superRefine((s, ctx) => {
    const problem = cronProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An IANA time zone name as PostgreSQL and the JS runtime both know it, e.g. "America/New_York". */
export const timeZone = z.string({ error: 'expected a time zone name like "America/New_York" (text)' }).refine((z) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone name like "America/New_York", "Asia/Tokyo" or "UTC"');

const seconds = (what: string, max: number) =>
  z
    .number({ error: `expected ${what} in seconds (a number)` })
    .int(`expected whole seconds for ${what}`)
    .min(0, `expected ${what} >= 0 seconds`)
    .max(max, `expected ${what} of at most ${max} seconds`);

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
  host: host("the server's secret (username, password)").optional(),
  port: port.optional(),
  database: text('a database name', 63).optional(),
  secret: name.describe('the secret holding username and password (and optionally host, port, dbname)'),
  /** TLS to this server (and its primary); without it the secret's sslmode, else plaintext. */
  tls: pgTls,
  /**
   * When this server is a hot standby: the primary it replays. A standby's snapshot cannot see
   * the primary's open transactions, so the safe upper bound is taken there (same database and
   * secret); rows are still read from the standby, once it has replayed up to that point.
   */
  primary: z.strictObject({ host: host("the server's secret (username, password)"), port: port.optional() }).optional(),
  /** Managed CDC: the role its Debezium connector logs in as, and the owner of its publication (docs/cdc-managed.md). */
  cdc: serverCdc.optional(),
  /**
   * The secret of a role that may insert into Debezium's signal table (tributary.debezium_signal)
   * on this server: what `tributary cdc resnapshot` and CDC `verify --repair` write with.
   */
  signalSecret: name.optional(),
});

const broker = z
  .string({ error: 'expected a broker address "host:port"' })
  .max(260, 'expected a broker address of at most 260 characters')
  .superRefine((b, ctx) => {
    const found = credentialIn(b) ?? (b.includes('@') ? 'a user name (user@host)' : undefined);
    if (found) ctx.addIssue({ code: 'custom', message: `expected a broker address "host:port", but it holds ${found}: credentials belong in the cluster's secret` });
    else if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b)) ctx.addIssue({ code: 'custom', message: 'expected a broker address "host:port"' });
  });

/** Kafka TLS: on when present; the CA and client certificate as files here or PEM in the secret. */
const kafkaTls = z.strictObject({ ...tlsFiles, /** SNI and the name checked, when it is not the broker's host. */ serverName: z.string().min(1).optional() }).optional();

const connectUrl = z
  .url({ protocol: /^https?$/, error: 'expected the Kafka Connect REST URL, like "https://connect:8083"' })
  .max(2000, 'expected a Kafka Connect URL of at most 2000 characters')
  .superRefine((u, ctx) => {
    const found = credentialIn(u);
    if (found) ctx.addIssue({ code: 'custom', message: `expected a Kafka Connect URL without credentials, but it holds ${found}: the basic-auth user and password belong in the Connect cluster's secret (connect.secret)` });
  });

/**
 * A Kafka Connect cluster's REST API: its URL (https for TLS), the secret holding its basic-auth
 * username and password (and optionally TLS PEM: tlsCa, tlsCert, tlsPrivateKey), and TLS files.
 * A bare URL is short for { url }.
 */
const connectCluster = z
  .union([
    connectUrl,
    z.strictObject({
      url: connectUrl,
      secret: name.optional(),
      tls: z.strictObject({ ...tlsFiles }).optional(),
    }),
  ])
  .transform((c) => (typeof c === 'string' ? { url: c } : c))
  .superRefine((c, ctx) => {
    if (c.tls && !c.url.startsWith('https:')) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'expected an https:// url with tls: a CA bundle or client certificate is only used over HTTPS' });
  });
export type ConnectClusterConfig = z.output<typeof connectCluster>;
export type KafkaAuthConfig = z.output<typeof kafkaAuth>;

/**
 * Kafka auth not carried by the secret: AWS MSK IAM, SASL OAUTHBEARER with a token the AWS signer
 * makes from the default credential chain (or by assuming roleArn) for the region's kafka-cluster
 * service. MSK serves IAM on TLS only, so the cluster needs tls: too.
 */
const kafkaAuth = z.strictObject({
  mechanism: z.literal('aws-msk-iam', { error: 'expected auth mechanism "aws-msk-iam" (SASL user and password belong in the cluster\'s secret)' }),
  region: text('an AWS region', 32),
  roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'expected an IAM role ARN like "arn:aws:iam::123456789012:role/tributary"').optional(),
  roleSessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, 'expected a role session name of 2 to 64 letters, digits or +=,.@_-').optional(),
});

const kafkaCluster = z.strictObject({
  region,
  cell: name,
  brokers: z.array(broker, { error: 'expected a list of broker addresses' }).min(1, 'expected at least one broker').max(100, 'expected at most 100 brokers'),
  secret: name.optional(),
  /** The REST URL of the Kafka Connect cluster that writes to this cluster: managed CDC registers its connectors there. */
  connect: connectCluster.optional(),
  tls: kafkaTls,
  /** SASL passwords travel over TLS only; true lets a local test cluster take them in plaintext. */
  allowPlaintextSasl: z.boolean().default(false),
  auth: kafkaAuth.optional(),
}).superRefine((c, ctx) => {
  if (c.auth && !c.tls) ctx.addIssue({ code: 'custom', path: ['auth'], message: 'expected tls: on a cluster with auth mechanism "aws-msk-iam": MSK takes IAM tokens on its TLS listener only (port 9098); add tls: {} (Amazon\'s CA is in the default trust store)' });
  if (c.auth && c.allowPlaintextSasl) ctx.addIssue({ code: 'custom', path: ['allowPlaintextSasl'], message: 'expected no allowPlaintextSasl with auth mechanism "aws-msk-iam": IAM tokens travel over TLS only' });
});

const postgresSource = z.strictObject({
  type: z.literal('postgres'),
  servers: z.array(postgresServer, { error: 'expected a list of servers' }).min(1, 'expected at least one server').max(1000, 'expected at most 1000 servers'),
});

const kafkaSource = z.strictObject({
  type: z.literal('kafka'),
  clusters: z.array(kafkaCluster, { error: 'expected a list of clusters' }).min(1, 'expected at least one cluster').max(1000, 'expected at most 1000 clusters'),
});

const source = z.discriminatedUnion('type', [postgresSource, kafkaSource], {
  error: 'expected a source with type "postgres" (servers) or "kafka" (clusters)',
});

const postgresWarehouse = z.strictObject({
  type: z.literal('postgres'),
  host: host("the warehouse's secret (username, password)").optional(),
  port: port.optional(),
  database: text('a database name', 63).optional(),
  schema: identifier.default('analytics'),
  secret: name,
  tls: pgTls,
  /** Merges running at once against this warehouse, across all pipelines of a worker. */
  maxConcurrentMerges: count('concurrent merges', 1, 64).default(4),
});

const redshiftWarehouse = z
  .strictObject({
    type: z.literal('redshift'),
    awsRegion: text('an AWS region', 32),
    database: text('a database name', 127),
    schema: identifier.default('analytics'),
    /** Auth, one of: a Serverless workgroup (IAM or secretArn), a cluster with dbUser, or a cluster with secretArn. */
    workgroup: text('a workgroup name', 64).optional(),
    clusterIdentifier: text('a cluster identifier', 63).optional(),
    dbUser: text('a database user', 127).optional(),
    secretArn: text('a Secrets Manager ARN', 2048).startsWith('arn:', 'expected a Secrets Manager ARN').optional(),
    copyRoleArn: z.string().max(2048, 'expected an IAM role ARN of at most 2048 characters').regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, 'expected an IAM role ARN like arn:aws:iam::123456789012:role/name'),
    /** Merges in flight against this workgroup or cluster, across all pipelines (see docs/redshift.md). */
    maxConcurrentMerges: count('concurrent merges', 1, 64).default(4),
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
    z.strictObject({ type: z.literal('file'), path: text('a folder path', 4096), retentionDays: count('retention days', 0, 3650).default(7) }),
    z.strictObject({
      type: z.literal('s3'),
      bucket: z.string().min(3, 'expected a bucket name of 3 to 63 characters').max(63, 'expected a bucket name of 3 to 63 characters'),
      prefix: z.string().max(512, 'expected a key prefix of at most 512 characters').default('tributary/'),
      awsRegion: text('an AWS region', 32),
      endpoint: endpoint.optional(),
      /** Path-style addressing (local S3 servers such as MinIO). */
      forcePathStyle: z.boolean().default(false),
      /** A secret with accessKeyId and secretAccessKey; without it, the default AWS credential chain. */
      secret: name.optional(),
      retentionDays: count('retention days', 0, 3650).default(7),
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
        host: host('a secret, never in metrics settings').default('127.0.0.1'),
        port: port.default(8125),
        prefix: z.string().max(64, 'expected a metric prefix of at most 64 characters').default('tributary.'),
        tags: tags.optional(),
      })
      .optional(),
    /** GET /metrics on host:port: the pipeline metrics and (runtimeMetrics) the Temporal SDK's. */
    prometheus: z.strictObject({ port, host: host('a secret, never in metrics settings').default('0.0.0.0'), runtimeMetrics: z.boolean().default(true) }).optional(),
  })
  .default({});

const secrets = z.discriminatedUnion(
  'provider',
  [
    z.strictObject({ provider: z.literal('file'), path: text('a file path', 4096), ttlSeconds: seconds('the cache time', DAY).default(300) }),
    z.strictObject({ provider: z.literal('env'), prefix: z.string().max(128, 'expected a prefix of at most 128 characters').default('TRIBUTARY_SECRET_'), ttlSeconds: seconds('the cache time', DAY).default(300) }),
    z.strictObject({
      provider: z.literal('aws'),
      awsRegion: text('an AWS region', 32),
      prefix: z.string().max(256, 'expected a prefix of at most 256 characters').default(''),
      ttlSeconds: seconds('the cache time', DAY).default(300),
    }),
  ],
  { error: 'expected secrets with provider "file" (path), "env" or "aws"' },
);

const temporal = z
  .strictObject({
    address: host('a secret, never in the address').default('127.0.0.1:7233'),
    namespace: text('a Temporal namespace', 255).default('default'),
    taskQueuePrefix: name.default('tributary'),
    /** How long a silent activity may go before Temporal retries it on another worker. */
    heartbeatTimeoutSeconds: seconds('the heartbeat timeout', HOUR).min(1).default(30),
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

// --- Observability: the freshness SLO and the scheduled verify (one block) -------------------
/**
 * How fresh a pipeline's warehouse data must be: freshness (now minus the newest data known
 * complete in the warehouse) above `freshnessSeconds` breaches the SLO. A pipeline's own `slo`
 * wins over the config's; without either, the SLO is the schedule's longest gap plus
 * SLO_SLACK_SECONDS (config/slo.ts), so a pipeline that runs on time never breaches it.
 */
const slo = z.strictObject({ freshnessSeconds: seconds('the freshness SLO', 366 * DAY).min(1, 'expected a freshness SLO of at least 1 second') });

/** The verify schedule every fact, dimension, topic and cdc (with capturedFrom) pipeline gets unless `verify: false`, on a warehouse that verifies. */
export const DEFAULT_VERIFY = { schedule: '30 4 * * *', buckets: 16, repair: false } as const;

/**
 * Reconciliation: a verify schedule per region (daily by default) and the `tributary verify`
 * defaults; `verify: false` turns the schedule off.
 */
const verify = z
  .union(
    [
      z.literal(false),
      z.strictObject({
        schedule: cron.default(DEFAULT_VERIFY.schedule),
        buckets: z.number({ error: 'expected a number of buckets' }).int().min(1, 'expected at least 1 bucket').max(65_536, 'expected at most 65536 buckets').default(DEFAULT_VERIFY.buckets),
        /** Scheduled verifies re-sync the drifted buckets too. */
        repair: z.boolean().default(DEFAULT_VERIFY.repair),
      }),
    ],
    { error: 'expected verify: false, or { schedule, buckets, repair }' },
  )
  .default({ ...DEFAULT_VERIFY });
// --- end of the observability block ----------------------------------------------------------

const keyColumns = z
  .array(identifier, { error: 'expected a list of key columns' })
  .min(1, 'expected at least one key column')
  .max(32, 'expected at most 32 key columns')
  .refine((k) => new Set(k).size === k.length, 'expected each key column once');

const common = {
  name,
  source: name,
  target: tableName.optional(),
  regions: z.array(region).min(1, 'expected at least one region').max(100, 'expected at most 100 regions').optional(),
  paused: z.boolean().default(false),
  slo: slo.optional(),
};

/** What a merge does when the source has a column the warehouse table lacks. */
const onNewColumn = z.enum(['add', 'ignore', 'fail'], { error: 'expected "add", "ignore" or "fail"' }).default('add');
/** A run whose read holds at most this many rows is extracted and merged by its plan's activity (one activity per run); 0: never. */
const smallReadRows = z.number({ error: 'expected a number of rows' }).int().min(0, 'expected 0 or more rows').max(1_000_000, 'expected at most 1000000 rows').default(10_000);

/** What a merge does when a column's type changed so the warehouse column cannot hold it: widen the column where a wider type holds both, or fail (docs/pipelines.md). */
const onTypeChange = z.enum(['widen', 'fail'], { error: 'expected "widen" or "fail"' }).default('widen');

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
      lagSeconds: seconds('lag', 366 * DAY).default(5),
      /** Each run re-reads this window below the checkpoint; the merge dedups by key. */
      lookbackSeconds: seconds('look-back', 30 * DAY).default(0),
      /** Units of work extracted at once for one run. */
      maxParallel: z.number().int().min(1).max(64).default(4),
      /** A range with more rows is cut into keyset chunks of about this many rows. */
      chunkRows: z.number({ error: 'expected a number of rows' }).int().min(1, 'expected at least 1 row per chunk').max(100_000_000, 'expected at most 100000000 rows per chunk').default(250_000),
      onNewColumn,
      onTypeChange,
      smallReadRows,
    })
    .default({ lagSeconds: 5, lookbackSeconds: 0, maxParallel: 4, chunkRows: 250_000, onNewColumn: 'add', onTypeChange: 'widen', smallReadRows: 10_000 }),
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
      onTypeChange,
      smallReadRows,
      /**
       * Incremental mode: read only the rows whose `column` moved past the checkpoint (safe
       * upper bound as for facts); a full pass, which also finds deletes, runs at least every
       * fullPassEveryHours. Without it every run reads the whole table.
       */
      incremental: z
        .strictObject({
          column: identifier,
          fullPassEveryHours: z.number({ error: 'expected a number of hours' }).int().min(1, 'expected at least 1 hour').max(8784, 'expected at most 8784 hours (a year)').default(24),
          lagSeconds: seconds('lag', 366 * DAY).default(5),
          lookbackSeconds: seconds('look-back', 30 * DAY).default(0),
          /** As a fact's watermarkTimeZone, for a `timestamp without time zone` change column. */
          timeZone: timeZone.optional(),
        })
        .optional(),
    })
    .default({ deletes: 'hard', onNewColumn: 'add', onTypeChange: 'widen', smallReadRows: 10_000 }),
});

/** A topic column's type: parsed against the type map (as columnTypes are), never pasted, since it goes into the warehouse's DDL. */
const columnType = z
  .string({ error: 'expected a column type, like "bigint", "numeric(14,4)", "varchar(200)" or "timestamptz(3)"' })
  .max(128, 'expected a PostgreSQL type of at most 128 characters')
  .superRefine((v, ctx) => {
    const problem = topicTypeProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A field path into a JSON message: "user.id", "items[0].sku", optionally "$."-prefixed. */
const jsonPath = z
  .string({ error: 'expected a JSON field path like "user.id" or "items[0].sku"' })
  .max(1024, 'expected a JSON field path of at most 1024 characters')
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
      .min(1, 'expected at least one column mapping')
      .max(1600, 'expected at most 1600 columns (PostgreSQL\'s limit)'),
    schedule: cron.default('*/5 * * * *'),
    /** Compared by offset with the topic (buckets are partitions; no repair: a replay loads a missing offset again). */
    verify,
    options: z
      .strictObject({
        /** One batch reads at most this many offsets of one partition. */
        maxMessagesPerPartition: count('messages per partition', 1, 100_000_000).default(500_000),
        /** Batches planned per partition and run; a longer backlog waits for the next run. */
        maxBatchesPerPartition: z.number().int().min(1).max(100).default(4),
        /** Batches extracted at once for one run. */
        maxParallel: z.number().int().min(1).max(64).default(4),
        /** Keep the whole message in this jsonb (SUPER on Redshift) column. */
        keepRawAs: identifier.optional(),
        /** A batch with more dead letters than this share of its messages fails the run. */
        maxDeadLetterRatio: z.number().min(0).max(1).default(0.01),
        /** A larger message value is dead-lettered as oversized. */
        maxMessageBytes: count('message bytes', 1, 64 * 1024 * 1024).default(1_048_576),
        /** A column's type changed in the config. */
        onTypeChange,
      })
      .default({ maxMessagesPerPartition: 500_000, maxBatchesPerPartition: 4, maxParallel: 4, maxDeadLetterRatio: 0.01, maxMessageBytes: 1_048_576, onTypeChange: 'widen' }),
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
    if (p.verify && p.verify.repair) {
      ctx.addIssue({ code: 'custom', path: ['verify', 'repair'], message: 'a topic pipeline has no verify repair: a missing offset is loaded again by `tributary replay` of its batch' });
    }
    const raw = p.options.keepRawAs;
    if (raw !== undefined && (names.has(raw) || TOPIC_RESERVED.includes(raw))) {
      ctx.addIssue({ code: 'custom', path: ['options', 'keepRawAs'], message: `expected a column name not otherwise used, got "${raw}"` });
    }
  });

const cdcPipeline = z.strictObject({
  ...common,
  kind: z.literal('cdc'),
  verify,
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, ., _ and -)'),
  target: tableName,
  key: keyColumns,
  schedule: cron.default('*/5 * * * *'),
  options: z
    .strictObject({
      deletes: z.enum(['hard', 'soft'], { error: 'expected "hard" or "soft"' }).default('hard'),
      onNewColumn,
      onTypeChange,
      /** A truncate at the source: empty the target's rows of that source (per `deletes`), skip it, or fail the batch. */
      onTruncate: z.enum(['apply', 'ignore', 'fail'], { error: 'expected "apply", "ignore" or "fail"' }).default('apply'),
      /** The PostgreSQL source and table the connector captures: what `tributary verify` compares the target with. */
      capturedFrom: z.strictObject({ source: name, table: tableName }).optional(),
      /** The connector's notification.sink.topic.name, which `cdc resnapshot` follows (default "<topic.prefix>.debezium.notifications"). */
      notificationTopic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, ., _ and -)').optional(),
      /** The connector's settings (read for messages without JSON schemas; see docs/cdc.md). */
      decimalHandlingMode: z.enum(['precise', 'string', 'double'], { error: 'expected "precise", "string" or "double"' }).default('precise'),
      timePrecisionMode: z.enum(['adaptive', 'adaptive_time_microseconds', 'connect'], { error: 'expected "adaptive", "adaptive_time_microseconds" or "connect"' }).default('adaptive'),
      intervalHandlingMode: z.enum(['numeric', 'string'], { error: 'expected "numeric" or "string"' }).default('numeric'),
      /** The connector's unavailable.value.placeholder, if changed. */
      unavailableValue: text('a placeholder', 256).optional(),
      /** Source column types (as format_type prints them), required when the converter writes no schemas. */
      columnTypes: z
        .record(
          identifier,
          z
            .string()
            .max(128, 'expected a PostgreSQL type of at most 128 characters')
            .superRefine((v, ctx) => {
              // Parsed, never pasted: the type goes into the warehouse's DDL.
              const problem = pgTypeProblem(v);
              if (problem) ctx.addIssue({ code: 'custom', message: problem });
            }),
        )
        .optional(),
      /** One batch reads at most this many offsets of one partition. */
      maxMessagesPerPartition: count('messages per partition', 1, 100_000_000).default(100_000),
      /**
       * Batches per cell cluster in one run (or continuous poll): they apply in order, the next
       * one extracted while the one before merges.
       */
      maxBatchesPerRun: z.number().int().min(1).max(100).default(4),
      /** Continuous mode: poll this often when no batch is waiting. */
      intervalSeconds: seconds('the poll interval', HOUR).min(1).default(5),
      /** Events that cannot be applied go to tributary_dead_letters up to this share of a batch; 0: any halts it (docs/cdc.md). */
      maxDeadLetterRatio: z.number().min(0).max(1).default(0),
    })
    .default({ deletes: 'hard', onNewColumn: 'add', onTypeChange: 'widen', onTruncate: 'apply', decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive', intervalHandlingMode: 'numeric', maxMessagesPerPartition: 100_000, maxBatchesPerRun: 4, intervalSeconds: 5, maxDeadLetterRatio: 0 }),
  /** Set by a capture entry: `apply` keeps this table's publication, connector and topic in step (needs options.capturedFrom). */
  managed: managedSpec.optional(),
});

/**
 * A cdc entry as written: one topic (topic, target, key), or a capture (`capture:` with its
 * tables) that expands into one managed cdc pipeline per table when the config is read.
 */
const cdcEntry = cdcPipeline
  .extend({
    topic: cdcPipeline.shape.topic.optional(),
    target: tableName.optional(),
    key: keyColumns.optional(),
    capture: captureSpec.optional(),
  })
  .superRefine((p, ctx) => {
    // Here rather than on columnTypes itself: the message names the pipeline (a table set's expanded ones too).
    for (const [column, type] of Object.entries(p.options.columnTypes ?? {})) {
      const problem = schemalessTypeProblem(type, p.options.intervalHandlingMode);
      if (problem) ctx.addIssue({ code: 'custom', path: ['options', 'columnTypes', column], message: `pipeline "${p.name}", column ${column}: ${problem}` });
    }
    if (p.capture) {
      for (const field of ['topic', 'target', 'key', 'managed'] as const) {
        if (p[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `expected no ${field} beside capture: each table of the capture gets its own` });
      }
      if (p.options.capturedFrom) ctx.addIssue({ code: 'custom', path: ['options', 'capturedFrom'], message: 'expected no capturedFrom beside capture: it is capture.from and each table' });
      return;
    }
    for (const [field, what] of [['topic', 'a Kafka topic name (or capture: with tables)'], ['target', 'a target table name'], ['key', 'a list of key columns']] as const) {
      if (p[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], input: undefined, message: `missing: expected ${what}` });
    }
    if (p.managed && !p.options.capturedFrom) ctx.addIssue({ code: 'custom', path: ['options', 'capturedFrom'], message: 'missing: a managed cdc pipeline names the table it captures (capturedFrom)' });
  });

const pipeline = z.discriminatedUnion('kind', [factPipeline, dimensionPipeline, topicPipeline, cdcEntry], {
  error: 'expected a pipeline with kind "fact", "dimension", "topic" or "cdc"',
});

// ---- Table sets (docs/table-sets.md): one entry expands, against each server's catalog, into
// one fact or dimension pipeline per table (config/table-sets/). What the file alone can show is
// checked here; what needs the catalog, at `tributary plan`.

/** A glob on "schema.table": `*` any run of characters, `?` one character. */
const tablePattern = z
  .string({ error: 'expected a pattern on schema.table, like "public.*" or "sales.order_*"' })
  .regex(/^[^.\s]+\.[^\s]+$/, 'expected a pattern on schema.table, like "public.*" or "sales.order_*"');

const tableSetOverride = z.strictObject({
  kind: z.enum(['fact', 'dimension'], { error: 'expected "fact" or "dimension"' }).optional(),
  key: keyColumns.optional(),
  watermark: identifier.optional(),
  schedule: cron.optional(),
  /** The kind's options, as a hand-written pipeline of that kind takes them (checked when the set expands). */
  options: z.record(z.string(), z.unknown(), { error: 'expected the options of the kind (a map)' }).optional(),
  /** Leave this table out of the set. */
  exclude: z.boolean().optional(),
});

const tableSet = z.strictObject({
  /** Expanded pipelines are named `<name>-<schema>-<table>` (docs/table-sets.md). */
  name,
  source: name,
  regions: z.array(region).min(1, 'expected at least one region').optional(),
  include: z.array(tablePattern, { error: 'expected a list of schema.table patterns' }).min(1, 'expected at least one include pattern'),
  exclude: z.array(tablePattern, { error: 'expected a list of schema.table patterns' }).default([]),
  /** The kind rule: a table with one of these columns (the first found), indexed and NOT NULL, is a fact; the rest are dimensions. */
  watermark: z.array(identifier, { error: 'expected a list of watermark column names' }).default([]),
  /** A matching watermark column that is nullable: without this the table is left out (a fact would miss its NULL rows). */
  nullableWatermark: z.enum(['dimension'], { error: 'expected "dimension" (pull such tables as dimensions)' }).optional(),
  schedule: z
    .strictObject({ fact: cron.default('*/15 * * * *'), dimension: cron.default('0 3 * * *'), cdc: cron.default('*/5 * * * *') })
    .default({ fact: '*/15 * * * *', dimension: '0 3 * * *', cdc: '*/5 * * * *' }),
  /** Capture every table of the set through Debezium (managed CDC) instead of pulling it: cdc pipelines, keys from the catalog. */
  cdc: setCaptureSpec.optional(),
  /** Where tables land: the warehouse schema (or `schema`), source schemas mapped by `schemas`, names after `prefix`. */
  target: z
    .strictObject({
      schema: identifier.optional(),
      schemas: z.record(z.string(), identifier, { error: 'expected a map of source schema to warehouse schema' }).optional(),
      prefix: z.string().regex(/^[A-Za-z0-9_]*$/, 'expected a table name prefix of letters, digits and _').max(30).optional(),
    })
    .default({}),
  /** By "schema.table" (or "table", for every schema the set covers). */
  overrides: z.record(z.string(), tableSetOverride, { error: 'expected a map of table name to override' }).default({}),
  paused: z.boolean().default(false),
});

/** A table set's expanded pipeline is checked by the same schema as a hand-written one. */
export const pipelineSchema = pipeline;

function checkTableSets(
  cfg: { sources: Record<string, z.output<typeof source>>; warehouse: { type: string }; temporal: { taskQueuePrefix: string }; pipelines: z.output<typeof pipeline>[]; tableSets: z.infer<typeof tableSet>[] },
  ctx: z.RefinementCtx,
): void {
  const names = new Set(cfg.pipelines.map((p) => p.name));
  const sets = new Set<string>();
  cfg.tableSets.forEach((s, i) => {
    const at = (...path: PropertyKey[]) => ['tableSets', i, ...path];
    const label = `table set "${s.name}" (source ${s.source})`;
    if (sets.has(s.name)) ctx.addIssue({ code: 'custom', path: at('name'), message: `expected a unique table set name, but "${s.name}" is used twice` });
    sets.add(s.name);
    if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: at('name'), message: `expected a table set name that is not a pipeline's, but "${s.name}" is both` });
    if (cfg.warehouse.type !== 'postgres') {
      ctx.addIssue({ code: 'custom', path: at(), message: `${label}: table sets keep their expansion in the warehouse ledger, which is built for a postgres warehouse only (docs/table-sets.md)` });
    }
    const src = cfg.sources[s.source];
    if (!src) {
      ctx.addIssue({ code: 'custom', path: at('source'), message: `${label}: expected one of the declared sources (${Object.keys(cfg.sources).join(', ') || 'none'})` });
      return;
    }
    if (src.type !== 'postgres') {
      ctx.addIssue({ code: 'custom', path: at('source'), message: `${label}: expected a postgres source, but "${s.source}" is ${src.type}` });
      return;
    }
    const sourceRegions = new Set(src.servers.map((x) => x.region));
    (s.regions ?? []).forEach((r, j) => {
      if (!sourceRegions.has(r)) ctx.addIssue({ code: 'custom', path: at('regions', j), message: `${label}: expected a region of the source (${[...sourceRegions].join(', ')}), got "${r}"` });
    });
    for (const [table, o] of Object.entries(s.overrides)) {
      const qualified = table.includes('.');
      const matched = qualified ? s.include.some((p) => globMatches(p, table)) && !s.exclude.some((p) => globMatches(p, table)) : s.include.some((p) => globMatches(p.slice(p.indexOf('.') + 1), table));
      if (!matched) ctx.addIssue({ code: 'custom', path: at('overrides', table), message: `${label}, table ${table}: the override names a table the set's include and exclude patterns do not match` });
      if (o.key && o.watermark && o.key.includes(o.watermark)) ctx.addIssue({ code: 'custom', path: at('overrides', table, 'watermark'), message: `${label}, table ${table}: expected a watermark column that is not part of the key` });
    }
    if (s.cdc) checkCdcSet(cfg, s, at, label, [...sourceRegions], ctx);
  });
}

/** Decoding settings are one per connector, so a table of a cdc set may not set its own. */
const CONNECTOR_WIDE_OPTIONS = ['decimalHandlingMode', 'timePrecisionMode', 'intervalHandlingMode', 'unavailableValue', 'capturedFrom'];

/** A cdc set: no pull rules, one capture per region like a capture entry's, and a slot of its own. */
function checkCdcSet(
  cfg: Parameters<typeof checkTableSets>[0],
  s: z.infer<typeof tableSet>,
  at: (...path: PropertyKey[]) => PropertyKey[],
  label: string,
  sourceRegions: string[],
  ctx: z.RefinementCtx,
): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message: `${label}: ${message}` });
  if (s.watermark.length) issue(at('watermark'), 'expected no watermark rule beside cdc: every table of the set is captured, none pulled');
  if (s.nullableWatermark) issue(at('nullableWatermark'), 'expected no nullableWatermark beside cdc: every table of the set is captured, none pulled');
  for (const [table, o] of Object.entries(s.overrides)) {
    for (const field of ['kind', 'watermark'] as const) {
      if (o[field] !== undefined) issue(at('overrides', table, field), `table ${table}: expected no ${field} in an override of a cdc set (each table is a cdc pipeline)`);
    }
    for (const k of Object.keys(o.options ?? {})) {
      if (CONNECTOR_WIDE_OPTIONS.includes(k)) issue(at('overrides', table, 'options', k), `table ${table}: ${k} is the set's connector's, not one table's`);
    }
  }
  const prefix = cfg.temporal.taskQueuePrefix;
  if (cfg.sources[s.cdc!.kafka]?.type !== 'kafka') return issue(at('cdc', 'kafka'), `expected a declared kafka source (its pipelines' topics), got "${s.cdc!.kafka}"`);
  for (const problem of managedProblems(cfg, prefix, s.cdc!.kafka, s.source, s.regions ?? sourceRegions, s.name)) issue(at('cdc'), problem);
  const slot = captureSlot(prefix, s.name);
  const captures = cfg.pipelines.flatMap((p) => (p.kind === 'cdc' && p.capture ? [p.name] : p.kind === 'cdc' && p.managed ? [p.managed.capture] : []));
  const others = [...captures, ...cfg.tableSets.filter((t) => t.cdc && t.name !== s.name).map((t) => t.name)];
  const clash = others.find((c) => captureSlot(prefix, c) === slot);
  if (clash !== undefined) issue(at('name'), `expected a replication slot of its own, but capture "${clash}" also gets slot ${slot}`);
}
// ---- end of table sets

const SOURCE_KIND = { fact: 'postgres', dimension: 'postgres', topic: 'kafka', cdc: 'kafka' } as const;

export const configSchema = z
  .strictObject({
    sources: z.record(name, source, { error: 'expected a map of source name to source' }),
    warehouse,
    stage,
    metrics,
    secrets,
    temporal,
    slo: slo.optional(),
    pipelines: z.array(pipeline, { error: 'expected a list of pipelines' }).max(10_000, 'expected at most 10000 pipelines').default([]),
    tableSets: z.array(tableSet, { error: 'expected a list of table sets' }).max(1_000, 'expected at most 1000 table sets').default([]),
  })
  .superRefine((cfg, ctx) => {
    checkTableSets(cfg, ctx);
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
      if (p.kind === 'cdc' && (p.capture || p.managed)) {
        const from = p.capture?.from ?? p.options.capturedFrom?.source;
        const regions = p.regions ?? [...sourceRegions];
        for (const problem of managedProblems(cfg, cfg.temporal.taskQueuePrefix, p.source, from, regions, p.capture ? p.name : p.managed!.capture)) {
          ctx.addIssue({ code: 'custom', path: ['pipelines', i, p.capture ? 'capture' : 'managed'], message: problem });
        }
      }
    });
    checkTargets(cfg, ctx);
  })
  .transform((cfg, ctx) => {
    // Capture entries become one managed cdc pipeline per table; every other entry stays as it is.
    const origin: number[] = [];
    const pipelines = cfg.pipelines.flatMap((p, i) => {
      const out = p.kind === 'cdc' && p.capture ? expandCapture({ ...p, capture: p.capture }, cfg.temporal.taskQueuePrefix) : [p];
      origin.push(...out.map(() => i));
      return out as ConcretePipeline[];
    });
    for (const problem of expandedProblems(cfg.temporal.taskQueuePrefix, pipelines)) {
      ctx.addIssue({ code: 'custom', path: ['pipelines', origin[problem.at]!, ...problem.path], message: problem.message, input: cfg });
    }
    return { ...cfg, pipelines };
  });

/** A pipeline after expansion: every kind of the union, a cdc capture entry read as its cdc pipelines. */
type ConcretePipeline = Exclude<z.output<typeof pipeline>, z.output<typeof cdcEntry>> | z.output<typeof cdcPipeline>;

/** What a capture (or a managed pipeline) needs of its sources in each of its regions. */
function managedProblems(cfg: { sources: Record<string, z.output<typeof source>> }, prefix: string, kafka: string, from: string | undefined, regions: string[], capture: string): string[] {
  const problems: string[] = [];
  const pg = from === undefined ? undefined : cfg.sources[from];
  if (!pg || pg.type !== 'postgres') return [`expected capture.from to name a declared postgres source, got "${from}"`];
  const kafkaSource = cfg.sources[kafka];
  for (const region of regions) {
    const servers = pg.servers.filter((s) => s.region === region);
    if (servers.length !== 1) problems.push(`expected exactly one server of source "${from}" in region "${region}" (one connector per region), found ${servers.length}`);
    else if (!servers[0]!.cdc) problems.push(`expected cdc: { secret, passwordRef } on the server of source "${from}" in region "${region}": the role its connector logs in as`);
    const connects = kafkaSource?.type === 'kafka' ? kafkaSource.clusters.filter((c) => c.region === region && c.connect) : [];
    if (connects.length !== 1) problems.push(`expected exactly one cluster of source "${kafka}" in region "${region}" with connect: (its Kafka Connect REST URL), found ${connects.length}`);
  }
  const name = captureNameProblem(prefix, capture);
  if (name) problems.push(name);
  return problems;
}

/** After expansion: unique pipeline names, one slot per capture, and one setting per connector. */
function expandedProblems(prefix: string, pipelines: ConcretePipeline[]): { at: number; path: PropertyKey[]; message: string }[] {
  const problems: { at: number; path: PropertyKey[]; message: string }[] = [];
  const seen = new Map<string, number>();
  pipelines.forEach((p, at) => {
    const first = seen.get(p.name);
    const managed = (q: ConcretePipeline) => q.kind === 'cdc' && q.managed !== undefined;
    if (first !== undefined && (managed(p) || managed(pipelines[first]!))) {
      const what = (q: ConcretePipeline) => (q.kind === 'cdc' && q.managed ? `table ${q.options.capturedFrom?.table} of capture "${q.managed.capture}"` : `pipeline "${q.name}"`);
      problems.push({ at, path: ['name'], message: `expected a pipeline name used once, but ${what(pipelines[first]!)} and ${what(p)} are both pipeline "${p.name}"` });
    }
    if (first === undefined) seen.set(p.name, at);
  });
  const groups = new Map<string, { at: number; p: z.output<typeof cdcPipeline> }>();
  const slots = new Map<string, string>();
  pipelines.forEach((p, at) => {
    if (p.kind !== 'cdc' || !p.managed) return;
    const capture = p.managed.capture;
    const slot = captureSlot(prefix, capture);
    const other = slots.get(slot);
    if (other !== undefined && other !== capture) problems.push({ at, path: ['name'], message: `expected captures whose slots differ, but "${capture}" and "${other}" both get slot ${slot} (connector ${captureConnector(prefix, capture)})` });
    slots.set(slot, capture);
    const first = groups.get(capture);
    if (!first) return void groups.set(capture, { at, p });
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const a = first.p;
    const differs = [
      ['source', a.source, p.source],
      ['regions', a.regions, p.regions],
      ['capturedFrom.source', a.options.capturedFrom?.source, p.options.capturedFrom?.source],
      ['managed', a.managed, p.managed],
      ['decimalHandlingMode', a.options.decimalHandlingMode, p.options.decimalHandlingMode],
      ['timePrecisionMode', a.options.timePrecisionMode, p.options.timePrecisionMode],
      ['intervalHandlingMode', a.options.intervalHandlingMode, p.options.intervalHandlingMode],
      ['unavailableValue', a.options.unavailableValue, p.options.unavailableValue],
    ].filter(([, x, y]) => !same(x, y));
    for (const [what] of differs) problems.push({ at, path: ['managed'], message: `expected the pipelines of capture "${capture}" (one connector) to agree on ${what as string}, but ${p.name} differs from ${a.name}` });
  });
  return problems;
}

/** Targets: none in a system schema or on Tributary's own tables, and one pipeline per target table. */
function checkTargets(cfg: { warehouse: { schema: string }; pipelines: { name: string; target?: string; table?: string }[] }, ctx: z.RefinementCtx): void {
  const targets = cfg.pipelines.map((p) => ({ name: p.name, target: resolveTarget(cfg.warehouse.schema, p) }));
  targets.forEach(({ name, target }, i) => {
    const problem = reservedTargetProblem(target);
    if (problem) ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'target'], message: `pipeline "${name}": ${problem}` });
  });
  for (const { index, first, table } of sharedTargets(targets)) {
    ctx.addIssue({
      code: 'custom',
      path: ['pipelines', index, 'target'],
      message: `pipeline "${targets[index]!.name}": expected a target of its own, but pipeline "${first}" already writes ${table} (their merges would delete each other's rows; set "target")`,
    });
  }
}

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
export type TableSetConfig = TributaryConfig['tableSets'][number];
export type TableSetOverride = TableSetConfig['overrides'][string];

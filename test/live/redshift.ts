// Opt-in live check against a real Redshift (`make redshift-live`; not part of make test: Redshift
// cannot run locally). It stages small batches in a real S3 bucket through the S3 stage, merges a
// fact, a topic and a CDC batch with the Redshift warehouse (Data API, COPY from the manifests),
// and compares what the warehouse holds with what was staged. Without the REDSHIFT_* settings it
// fails at once, naming what is missing. It works in a schema of its own and drops it after.
//
//   REDSHIFT_REGION          AWS region of the warehouse and the bucket (required)
//   REDSHIFT_DATABASE        database (required)
//   REDSHIFT_WORKGROUP       Serverless workgroup, or
//   REDSHIFT_CLUSTER         provisioned cluster, with REDSHIFT_DB_USER or REDSHIFT_SECRET_ARN
//   REDSHIFT_SECRET_ARN      Secrets Manager secret (with a workgroup or a cluster; optional)
//   REDSHIFT_COPY_ROLE_ARN   IAM role attached to the workgroup/cluster that can read the bucket (required)
//   REDSHIFT_S3_BUCKET       stage bucket, same region (required)
//   REDSHIFT_S3_PREFIX       key prefix for the staged files (default "tributary-live/")
// AWS credentials come from the default chain (environment, profile, SSO, instance role).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import type { ActivityDeps } from '../../activities/deps.js';
import { csvLine } from '../../activities/sources/kafka/csv.js';
import { S3Stage, type S3StageConfig } from '../../activities/stage/s3-stage.js';
import type { CdcUnit, FactUnit, StagedBatch, StagedCdcBatch, StagedTopicBatch, TopicUnit } from '../../activities/types.js';
import { factSpan } from '../../activities/kinds/fact/index.js';
import type { MergeSpec } from '../../activities/warehouse/postgres/merge-sql.js';
import type { TopicMergeSpec } from '../../activities/warehouse/postgres/topic-merge-sql.js';
import { RedshiftWarehouse, type RedshiftConfig } from '../../activities/warehouse/redshift/redshift-warehouse.js';
import { ident } from '../../activities/warehouse/redshift/identifiers.js';

function settings(env = process.env): { warehouse: RedshiftConfig; stage: S3StageConfig } {
  const missing: string[] = [];
  const need = (name: string) => {
    const v = env[name];
    if (!v) missing.push(name);
    return v ?? '';
  };
  const region = need('REDSHIFT_REGION');
  const database = need('REDSHIFT_DATABASE');
  const copyRoleArn = need('REDSHIFT_COPY_ROLE_ARN');
  const bucket = need('REDSHIFT_S3_BUCKET');
  const workgroup = env.REDSHIFT_WORKGROUP;
  const cluster = env.REDSHIFT_CLUSTER;
  if (!workgroup && !cluster) missing.push('REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER');
  if (cluster && !env.REDSHIFT_DB_USER && !env.REDSHIFT_SECRET_ARN) missing.push('REDSHIFT_DB_USER or REDSHIFT_SECRET_ARN (with REDSHIFT_CLUSTER)');
  if (missing.length > 0) {
    throw new Error(`the live Redshift check needs these settings, which are not set: ${missing.join(', ')} (see the top of test/live/redshift.ts and docs/redshift.md)`);
  }
  const schema = `tributary_live_${randomBytes(4).toString('hex')}`;
  return {
    warehouse: {
      type: 'redshift',
      awsRegion: region,
      database,
      schema,
      ...(workgroup ? { workgroup } : { clusterIdentifier: cluster! }),
      ...(env.REDSHIFT_DB_USER ? { dbUser: env.REDSHIFT_DB_USER } : {}),
      ...(env.REDSHIFT_SECRET_ARN ? { secretArn: env.REDSHIFT_SECRET_ARN } : {}),
      copyRoleArn,
      maxConcurrentMerges: 2,
      varcharOverflow: 'widen',
    },
    stage: {
      type: 's3',
      bucket,
      prefix: `${env.REDSHIFT_S3_PREFIX ?? 'tributary-live/'}${schema}/`,
      awsRegion: region,
      forcePathStyle: false,
      retentionDays: 0,
      retentionBy: 'sweep',
      sliceCount: 2,
      maxFileMB: 1,
    },
  };
}

async function stageCsv(stage: S3Stage, key: string, lines: string[]) {
  const w = await stage.writer(key);
  await pipeline(Readable.from([Buffer.from(lines.join(''))]), createGzip(), w.stream);
  return w.commit(lines.length);
}

const activity = { heartbeat: () => undefined };
const checks: { what: string; expected: unknown; actual: unknown }[] = [];
const check = (what: string, expected: unknown, actual: unknown) => checks.push({ what, expected, actual });

async function main(): Promise<void> {
  const cfg = settings();
  const stage = new S3Stage(cfg.stage, new S3Client({ region: cfg.stage.awsRegion }));
  // The warehouse reads nothing from deps but the stage.
  const w = new RedshiftWarehouse({ stage } as unknown as ActivityDeps, cfg.warehouse);
  const schema = cfg.warehouse.schema;
  const count = async (sql: string) => Number((await w.api.query(sql))[0]?.n);
  const base = { region: 'live', checkpoint: null, stagePrefix: 'live' } as const;
  try {
    // 1. A fact batch: NULL and '' kept apart, quotes and newlines, jsonb and an array in SUPER.
    const factColumns = [
      { name: 'id', type: 'bigint' },
      { name: 'note', type: 'text' },
      { name: 'doc', type: 'jsonb' },
      { name: 'tags', type: 'text[]' },
      { name: 'updated_at', type: 'timestamp with time zone' },
    ];
    const factRows = [
      ['1', 'plain', '{"a":1}', '["x","y"]', '2026-01-01 00:00:01+00'],
      ['2', '', null, '[]', '2026-01-01 00:00:02+00'],
      ['3', null, '{"q":"say \\"hi\\""}', null, '2026-01-01 00:00:03+00'],
      ['4', 'two\nlines, "quoted"', '[1,2]', '["a b"]', '2026-01-01 00:00:04+00'],
    ];
    const factFile = await stageCsv(stage, 'fact/part-00000.csv.gz', factRows.map((r) => csvLine(r)));
    const factUnit: FactUnit = { ...base, kind: 'fact', pipeline: 'live-fact', source: 'live/src', stream: 'public.orders', batchId: `live-fact-${schema}`, from: null, to: '2026-01-02T00:00:00.000000Z', after: null, until: null, checkpoint: '2026-01-02T00:00:00.000000Z' };
    const factSpec: MergeSpec = { schema, table: 'orders', columns: factColumns, stagedColumns: factColumns, key: ['id'], mode: { kind: 'upsert', version: 'updated_at' } };
    const fact: StagedBatch = { unit: factUnit, columns: factColumns, stagedColumns: factColumns, files: [factFile], rows: factFile.rows, extractedAt: new Date().toISOString(), checksum: 'sha256:live' };
    const factResult = await w.merge(fact, factSpec, factSpan(factUnit), 'add', activity);
    check('fact: rows inserted', 4, factResult.inserted);
    check('fact: rows in the target', 4, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."orders"`));
    check("fact: '' stays an empty string", 1, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."orders" WHERE note = ''`));
    check('fact: NULL stays NULL', 1, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."orders" WHERE note IS NULL`));
    check('fact: arrays in SUPER', 2, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."orders" WHERE GET_ARRAY_LENGTH(tags) >= 1`));
    check('fact: the same batch again is a no-op', true, (await w.merge(fact, factSpec, factSpan(factUnit), 'add', activity)).alreadyCommitted);

    // 2. A topic batch: two messages of one key (the newest wins), one dead letter, the offsets ledger.
    // Rows: mapped columns, then partition, offset, timestamp; dead letters as topic-columns.ts lists them.
    const topicSpec: TopicMergeSpec = { schema, table: 'clicks', columns: [{ name: 'click_id', type: 'bigint' }, { name: 'raw', type: 'jsonb' }], key: ['click_id'] };
    const t = '2026-01-01T00:00:00.000Z';
    const rowsFile = await stageCsv(stage, 'topic/rows.csv.gz', [csvLine(['1', '{"id":1}', '0', '0', t]), csvLine(['2', '{"id":2}', '0', '1', t]), csvLine(['1', '{"id":1,"v":2}', '0', '3', t])]);
    const deadFile = await stageCsv(stage, 'topic/dead-letters.csv.gz', [csvLine(['0', '2', t, null, '\\x7b', 'not-json', null, 'Unexpected end of JSON input'])]);
    const topicUnit: TopicUnit = { ...base, kind: 'topic', pipeline: 'live-topic', source: 'live/cell-1', stream: 'clicks', batchId: `live-topic-${schema}`, cell: 'cell-1', topic: 'clicks', partition: 0, from: 0, to: 4, committed: null, endOffset: 4 };
    const topic: StagedTopicBatch = {
      unit: topicUnit,
      columns: topicSpec.columns,
      stagedColumns: topicSpec.columns,
      files: [rowsFile],
      rows: 3,
      extractedAt: new Date().toISOString(),
      checksum: 'sha256:live',
      topic: { deadLetterFiles: [deadFile], consumed: 4, deadLettered: 1, newestTimestamp: t },
    };
    const topicResult = await w.mergeTopic(topic, topicSpec, activity);
    check('topic: rows in the target (newest message per key)', 2, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."clicks"`));
    check('topic: dead letters', 1, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."tributary_dead_letters" WHERE pipeline = 'live-topic'`));
    check('topic: next offset in the ledger', 4, (await w.readOffsets({ pipeline: 'live-topic', region: 'live', cell: 'cell-1', topic: 'clicks' })).get(0));
    check('topic: counts returned', 2, topicResult.inserted);
    check('topic: the same batch again is a no-op', true, (await w.mergeTopic(topic, topicSpec, activity)).alreadyCommitted);

    // 3. Two CDC batches: inserts, then an update with an unchanged TOASTed value, a delete and an older replayed event.
    const cdcColumns = [{ name: 'id', type: 'bigint' }, { name: 'note', type: 'text' }, { name: 'big', type: 'text' }];
    const target = { schema, table: 'orders_cdc', key: ['id'], deletes: 'hard' as const, onNewColumn: 'add' as const };
    const ts = '2026-01-01T00:00:00.000Z';
    const cdcBatch = async (n: number, from: number, committed: number | null, lines: string[]): Promise<StagedCdcBatch> => {
      const file = await stageCsv(stage, `cdc/${n}/changes.csv.gz`, lines);
      const ranges = [{ partition: 0, from, to: from + lines.length, committed, endOffset: from + lines.length }];
      const unit: CdcUnit = { ...base, kind: 'cdc', pipeline: 'live-cdc', source: 'live/cell-1', stream: 'app.public.orders', batchId: `live-cdc-${n}-${schema}`, cell: 'cell-1', topic: 'app.public.orders', ranges };
      return { unit, columns: cdcColumns, stagedColumns: cdcColumns, files: [file], rows: lines.length, extractedAt: new Date().toISOString(), checksum: 'sha256:live', cdc: { ranges, events: lines.length, upserts: 0, deletes: 0, newestSourceTsMs: null } };
    };
    await w.mergeCdc(await cdcBatch(1, 0, null, [csvLine(['1', 'one', 'BIG1', 'u', '100', ts, null]), csvLine(['2', 'two', 'BIG2', 'u', '100', ts, null]), csvLine(['3', 'three', 'BIG3', 'u', '100', ts, null])]), target, activity);
    await w.mergeCdc(
      await cdcBatch(2, 3, 3, [csvLine(['1', 'one v2', null, 'u', '200', ts, '{"big":{"id":"1"}}']), csvLine(['2', null, null, 'd', '200', ts, null]), csvLine(['3', 'stale', 'x', 'u', '50', ts, null])]),
      target,
      activity,
    );
    check('cdc: rows in the target', 2, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."orders_cdc"`));
    check('cdc: unchanged TOASTed value kept', 1, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."orders_cdc" WHERE id = 1 AND note = 'one v2' AND big = 'BIG1'`));
    check('cdc: an older event changes nothing', 1, await count(`SELECT COUNT(*) AS n FROM ${ident(schema)}."orders_cdc" WHERE id = 3 AND note = 'three'`));
    check('cdc: next offset in the ledger', 6, (await w.readOffsets({ pipeline: 'live-cdc', region: 'live', cell: 'cell-1', topic: 'app.public.orders' })).get(0));
  } finally {
    await w.api.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`).catch((err: unknown) => console.error(`could not drop schema ${schema}: ${(err as Error).message}`));
    await stage.sweep(Date.now() + 86_400_000).catch((err: unknown) => console.error(`could not remove the staged files: ${(err as Error).message}`));
  }
}

main()
  .then(() => {
    const failed = checks.filter((c) => JSON.stringify(c.expected) !== JSON.stringify(c.actual));
    for (const c of checks) console.log(`${failed.includes(c) ? 'FAIL' : 'ok  '}  ${c.what}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.actual)}`);
    if (failed.length > 0) {
      console.error(`redshift-live: ${failed.length} of ${checks.length} checks failed`);
      process.exit(1);
    }
    console.log(`redshift-live: all ${checks.length} checks passed`);
  })
  .catch((err: unknown) => {
    console.error(`redshift-live: FAILED: ${(err as Error).message}`);
    process.exit(1);
  });

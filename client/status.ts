// `tributary status` from code: per pipeline, region and source server, the last success, rows,
// freshness, lag and state, read from the warehouse ledger (PostgreSQL or Redshift), the sources
// and Temporal (schedules and recent runs). A part that cannot be read shows as unknown in its own
// row; the rest still shows.
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type pg from 'pg';
import { kafkaEndpoints, postgresEndpoints, pipelineRegions, sourceTable, type KafkaEndpoint } from '../config/resolve.js';
import type { PipelineConfig, TributaryConfig } from '../config/schema.js';
import { sourceTarget } from '../activities/sources/postgres/target.js';
import { withPg } from '../activities/pg/connect.js';
import { createSecretProvider, type SecretProvider } from '../activities/secrets/provider.js';
import { boundedMap } from '../workflows/bounded.js';
import { cdcWorkflowId, scheduleId } from '../names/temporal-ids.js';
import { recentRuns, runsOf } from './recent-runs.js';
import { ledgerKey as k, ledgerReader, type Ledger, type LedgerReader, type RunCounts } from './ledger.js';
import { sourceHighSql } from './status-sql.js';
import { withSlo } from './status-slo.js';
import { freshnessSloSeconds } from '../config/slo.js';
import { boundStateStream, parseState } from '../activities/sources/postgres/in-flight.js';
import { checkpointStream, wallClockToInstant } from '../activities/sources/postgres/watermark-zone.js';
import { kindOf } from '../activities/kinds/registry.js';
import { offsetLag, statusRow, type SourceFacts, type StatusRow, type TemporalFacts } from './status-rows.js';
import { openKafka, UnknownTopicError, type PartitionBounds } from '../activities/sources/kafka/client.js';
import { addCaptureHealth } from './capture-health.js';
import { rootMessage } from '../common/root-message.js';

export type { StatusRow, PipelineState } from './status-rows.js';

const PARALLEL = 8;

export async function pipelineStatus(client: Client, config: TributaryConfig, opts: { now?: Date; pipeline?: string } = {}): Promise<StatusRow[]> {
  const secrets = createSecretProvider(config.secrets);
  const reader = ledgerReader(config, secrets);
  const ledger = await reader.read();
  const pairs = config.pipelines
    .filter((p) => opts.pipeline === undefined || p.name === opts.pipeline)
    .flatMap((p) => pipelineRegions(config, p).map((region) => ({ p, region })));
  const runs = await recentRuns(client, config, pairs.map(({ p, region }) => ({ pipeline: p.name, region })));
  const rows = await boundedMap(pairs, PARALLEL, async ({ p, region }) => {
    const temporal = await temporalFacts(client, config, p.name, region, runsOf(runs, p.name, region));
    const sources = await sourceFacts(config, secrets, reader, ledger, p, region, temporal.lastSuccess?.runId);
    const now = opts.now ?? new Date();
    const what = kindOf(p).status(p);
    return sources.map((s) => withSlo(statusRow(p.name, region, p.kind, what.reads === 'tables' && what.checkpointed, temporal, s, now), freshnessSloSeconds(config, p), now));
  });
  return addCaptureHealth(config, secrets, rows.flat());
}

async function sourceFacts(
  config: TributaryConfig,
  secrets: SecretProvider,
  reader: LedgerReader,
  ledger: Ledger,
  p: PipelineConfig,
  region: string,
  lastRunId: string | undefined,
): Promise<SourceFacts[]> {
  const runRows = lastRunId ? await reader.runRows(p.name, region, lastRunId) : new Map<string, number>();
  const runCounts = lastRunId ? await reader.runCounts(p.name, region, lastRunId) : new Map<string, RunCounts>();
  const what = kindOf(p).status(p);
  if (what.reads === 'topic') {
    // One row per cell cluster of the region, with how far the ledger is behind its topic.
    const offsets = await reader.offsets(p.name, region);
    return Promise.all(
      kafkaEndpoints(config, p.source, region).map(async (e) => {
        const facts: SourceFacts = { source: e.id, cell: e.cell, lastBatch: ledger.lastBatch.get(k(p.name, region, e.id)), lastRunRows: lastRunId ? (runRows.get(e.id) ?? 0) : undefined, lastRunCounts: runCounts.get(e.id) };
        try {
          facts.lagMessages = offsetLag(await topicPartitions(e, secrets, what.topic, what.missingIsEmpty), offsets.get(k(e.cell, what.topic)));
        } catch (err) {
          facts.sourceError = `lag unknown: source ${e.id}: ${(err as Error).message}`;
        }
        return facts;
      }),
    );
  }
  const [schema, table] = sourceTable(what.table);
  const stream = `${schema}.${table}`;
  return Promise.all(
    postgresEndpoints(config, p.source, region).map(async (e) => {
      // A naive watermark read in a zone keeps its checkpoint, a reading of that zone's clock, under a stream of the zone.
      const bound = parseState(ledger.checkpoints.get(k(p.name, region, e.id, boundStateStream(stream))) ?? null);
      const zone = bound?.zone ?? 'UTC';
      const checkpoint = ledger.checkpoints.get(k(p.name, region, e.id, checkpointStream(stream, true, zone)));
      const facts: SourceFacts = {
        source: e.id,
        cell: e.cell,
        checkpoint: checkpoint === undefined ? undefined : wallClockToInstant(checkpoint, zone),
        lastBatch: ledger.lastBatch.get(k(p.name, region, e.id)),
        lastRunRows: lastRunId ? (runRows.get(e.id) ?? 0) : undefined,
        lastRunCounts: runCounts.get(e.id),
        ...(bound?.warning ? { warning: bound.warning } : {}),
      };
      if (what.lagColumn === null) return facts;
      const column = what.lagColumn;
      try {
        const res = await withPg(sourceTarget(e), secrets, (c: pg.Client) => c.query<{ hi: string | null }>(sourceHighSql(schema, table, column)));
        const hi = res.rows[0]?.hi ?? null;
        facts.sourceHigh = hi === null ? null : wallClockToInstant(hi, zone);
      } catch (err) {
        facts.sourceError = `lag unknown: source ${e.id}: ${(err as Error).message}`;
      }
      return facts;
    }),
  );
}

/** The topic's partitions on one cluster; Debezium's topic is missing until its first event (none yet). */
async function topicPartitions(e: KafkaEndpoint, secrets: SecretProvider, topic: string, missingIsEmpty: boolean): Promise<PartitionBounds[]> {
  const kafka = await openKafka(e, secrets);
  try {
    return await kafka.partitions(topic);
  } catch (err) {
    if (err instanceof UnknownTopicError) {
      if (missingIsEmpty) return [];
      throw new Error(`topic "${topic}" does not exist on the cluster`, { cause: err });
    }
    throw err;
  } finally {
    await kafka.close().catch(() => undefined);
  }
}

async function temporalFacts(client: Client, config: TributaryConfig, pipeline: string, region: string, runs: WorkflowExecutionInfo[]): Promise<TemporalFacts> {
  const facts: TemporalFacts = {};
  try {
    facts.schedulePaused = (await client.schedule.getHandle(scheduleId(config, pipeline, region)).describe()).state.paused;
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  const p = config.pipelines.find((x) => x.name === pipeline);
  if (p && kindOf(p).continuous) {
    const d = await continuousRun(client, cdcWorkflowId(config, pipeline, region));
    if (d) facts.continuous = d;
  }
  const running = runs.find((w) => w.status.name === 'RUNNING');
  if (running) facts.running = { workflowId: running.workflowId, startTime: running.startTime.toISOString() };
  const closed = runs.filter((w) => w.closeTime && w.status.name !== 'RUNNING').sort((a, b) => b.closeTime!.getTime() - a.closeTime!.getTime());
  const success = closed.find((w) => w.status.name === 'COMPLETED');
  if (success) facts.lastSuccess = { runId: success.runId, closeTime: success.closeTime!.toISOString() };
  const latest = closed[0];
  if (latest && latest.status.name !== 'COMPLETED' && latest.status.name !== 'CONTINUED_AS_NEW') {
    facts.lastFailure = { closeTime: latest.closeTime!.toISOString(), status: latest.status.name.toLowerCase(), message: await failureMessage(client, latest.workflowId, latest.runId) };
  }
  return facts;
}

async function continuousRun(client: Client, workflowId: string): Promise<TemporalFacts['continuous']> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' ? { workflowId, startTime: d.startTime.toISOString() } : undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The innermost cause of a closed run's failure (workflow -> activity -> application failure). */
async function failureMessage(client: Client, workflowId: string, runId: string): Promise<string> {
  try {
    await client.withDeadline(Date.now() + 5_000, () => client.workflow.getHandle(workflowId, runId).result());
    return 'unknown';
  } catch (err) {
    return rootMessage(err);
  }
}

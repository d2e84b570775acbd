import { connectClient } from '../../client/run-pipeline.js';
import { pipelineStatus, type StatusRow } from '../../client/status.js';
import type { TributaryConfig } from '../../config/schema.js';
import { knownPipeline } from '../../client/backfill.js';
import { table, UsageError } from '../output.js';
import { readRetired } from '../../activities/catalog/catalog-store.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';

/** A run's counts in one cell: rows read, and where they went (the ledger proves they add up). */
function countsCell(c: StatusRow['counts']): string {
  if (!c) return '-';
  return `${c.read} read: ${c.inserted} ins, ${c.updated} upd, ${c.unchanged} same, ${c.deduplicated} dedup, ${c.deadLettered} dead, ${c.deleted} del`;
}

/** The status rows as the CLI prints them. */
export function statusTable(rows: StatusRow[]): string {
  const dash = (v: string | number | null) => (v === null ? '-' : v);
  return table(
    ['pipeline', 'region', 'source', 'cell', 'last success', 'rows', 'counts', 'freshness s', 'lag s', 'lag msgs', 'state', 'SLO', 'detail'],
    rows.map((r) => [r.pipeline, r.region, r.source, dash(r.cell), dash(r.lastSuccess), dash(r.rows), countsCell(r.counts), dash(r.freshnessSeconds), dash(r.lagSeconds), dash(r.lagMessages), r.state, dash(r.slo ?? null), r.detail ?? (r.schedule === 'missing' ? 'no schedule: run tributary apply' : '')]),
  );
}

/**
 * `tributary status [PIPELINE] [--json]`: per pipeline, region and source server: last success,
 * rows of the last run, freshness and lag in seconds (messages behind for Kafka-fed pipelines),
 * state, and freshness against the pipeline's SLO (ok, or breached since when). Exit 0 when every pipeline is ok, running or paused; 1 when one has failed or its state
 * could not be read.
 */
export async function status(config: TributaryConfig, pipeline: string | undefined, json: boolean): Promise<number> {
  if (pipeline !== undefined) {
    try {
      knownPipeline(config, pipeline);
    } catch (err) {
      throw new UsageError((err as Error).message, { cause: err });
    }
  }
  const client = await connectClient(config);
  try {
    const rows = await pipelineStatus(client, config, { pipeline });
    console.log(json ? JSON.stringify(rows, null, 2) : statusTable(rows));
    // Table-set pipelines whose table left the source: no rows of their own, a note each.
    const retired = config.tableSets.length && pipeline === undefined ? await readRetired(config, createSecretProvider(config.secrets)) : [];
    for (const r of retired) {
      (json ? console.error : console.log)(`retired: ${r.pipeline} (table set ${r.set}): ${r.table} left the source (regions ${r.regions.join(', ')}) at ${r.retiredAt}; schedules removed, ${r.target} kept in the warehouse`);
    }
    return rows.some((r) => r.state === 'failed') ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { connectClient } from '../../client/run-pipeline.js';
import { startVerify } from '../../client/verify.js';
import { pipelineRegions } from '../../config/resolve.js';
import { knownPipeline } from '../../client/backfill.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { VerifyReport, VerifyResult } from '../../activities/types.js';
import { verifyWorkflowId } from '../../names/temporal-ids.js';
import { table, UsageError } from '../output.js';

export interface VerifyFlags {
  region?: string;
  source?: string;
  buckets?: number;
  repair: boolean;
  json: boolean;
}

/**
 * `tributary verify PIPELINE [--region R] [--source S] [--buckets N] [--repair] [--json]`: compares
 * source and warehouse per bucket in every region (or one). Exit 0 in sync (or repaired), 1 drift
 * left (found without --repair, or not fixed by it), 2 bad usage.
 */
export async function verify(config: TributaryConfig, pipeline: string, flags: VerifyFlags): Promise<number> {
  let regions: string[];
  try {
    regions = flags.region ? [flags.region] : pipelineRegions(config, knownPipeline(config, pipeline));
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const client = await connectClient(config);
  try {
    const results: VerifyResult[] = await Promise.all(
      regions.map(async (region) => {
        let handle;
        try {
          handle = await startVerify(client, config, { pipeline, region, source: flags.source, buckets: flags.buckets, repair: flags.repair });
        } catch (err) {
          if (err instanceof RangeError) throw new UsageError(err.message, { cause: err });
          if (err instanceof WorkflowExecutionAlreadyStartedError) {
            throw new Error(`a verify of ${pipeline} in ${region} is running (${verifyWorkflowId(config, pipeline, region)}): wait for it, or watch it in the Temporal UI`, { cause: err });
          }
          throw err;
        }
        if (!flags.json) console.error(`verifying ${pipeline}/${region} (${handle.workflowId}); needs a worker on its task queue...`);
        return handle.result();
      }),
    );
    const left = results.reduce((n, r) => n + (r.after ?? r.before).driftedBuckets, 0);
    if (flags.json) console.log(JSON.stringify(results, null, 2));
    else print(results, flags.repair);
    if (!flags.json && left > 0 && !flags.repair) console.error('drift found: run again with --repair to re-sync the drifted buckets');
    return left > 0 ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

function print(results: VerifyResult[], repair: boolean): void {
  const rows = results.flatMap((r) => reportRows(r.before, repair ? r : undefined));
  console.log(table(['pipeline', 'region', 'source', 'source rows', 'warehouse rows', 'buckets', 'drifted', 'pending', 'result'], rows));
  const drifted = results.flatMap((r) => r.before.sources.flatMap((s) => s.drifted.map((d) => [r.before.pipeline, r.before.region, s.source, d.bucket, d.sourceRows, d.warehouseRows, d.missing, d.extra, d.changed])));
  if (drifted.length) console.log(`\n${table(['pipeline', 'region', 'source', 'bucket', 'source rows', 'warehouse rows', 'missing', 'extra', 'changed'], drifted)}`);
  // Topic pipelines compare by offset: each drifted partition's missing and extra offsets.
  const offsets = results.flatMap((r) =>
    r.before.sources.flatMap((s) =>
      (s.offsets ?? []).filter((o) => o.missing.length + o.extra.length > 0).map((o) => [r.before.pipeline, r.before.region, s.source, o.partition, `${o.from}..${o.to}`, o.missing.join(' ') || '-', o.extra.join(' ') || '-']),
    ),
  );
  if (offsets.length) console.log(`\n${table(['pipeline', 'region', 'source', 'partition', 'offsets', 'missing offsets', 'extra offsets'], offsets)}`);
}

function reportRows(report: VerifyReport, result?: VerifyResult): (string | number)[][] {
  return report.sources.map((s) => {
    const fixed = result?.repaired.find((x) => x.source === s.source);
    const still = result?.after?.sources.find((x) => x.source === s.source)?.drifted.length ?? 0;
    let outcome = s.drifted.length === 0 ? 'in sync' : `${s.drifted.length} drifted`;
    if (fixed) outcome = `${still === 0 ? 'repaired' : `${still} still drifted after repair`}: ${fixed.deleted} deleted, ${fixed.inserted} inserted, ${fixed.updated} updated`;
    if (fixed?.resnapshot) outcome += `, ${fixed.resnapshot.rowsScanned ?? '?'} rows re-read by resnapshot ${fixed.resnapshot.signalId}`;
    if (s.note) outcome += ` (${s.note})`;
    return [report.pipeline, report.region, s.source, s.sourceRows, s.warehouseRows, s.bucketsCompared, s.drifted.length, s.pending, outcome];
  });
}

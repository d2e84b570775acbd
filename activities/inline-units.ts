// A small unit (WorkUnit.inline: its read holds few rows) is extracted and merged by its plan's
// activity, so a run of a small table, or a poll that finds nothing new, is one activity instead
// of three and two fewer workflow tasks. It is the same extract into the same stage and the same
// merge transaction (ledger row, checkpoint and markers together) as the workflow's activities.
// A unit that fails here goes back to the workflow, which runs it as its own activities with
// their retries and error handling; the batch id is the same, so a merge that did commit is
// found in the ledger and not applied twice.
import { log } from '@temporalio/activity';
import type { PipelineConfig } from '../config/schema.js';
import type { MergeActivity } from './heartbeat.js';
import type { KindContext, KindName, PipelineKind } from './kinds/kind.js';
import type { InlineBatch, WorkUnit } from './types.js';

/** `kind` is the pipeline's own (kinds/registry.ts `kindOf`). */
export async function runInlineUnits(
  ctx: KindContext,
  p: PipelineConfig,
  kind: PipelineKind<KindName>,
  units: WorkUnit[],
  activity: MergeActivity,
  signal: AbortSignal,
): Promise<{ units: WorkUnit[]; inline: InlineBatch[] }> {
  const left: WorkUnit[] = [];
  const inline: InlineBatch[] = [];
  for (const unit of units) {
    // Only a source's one unit: a source's merges go in plan order, and the others are the workflow's.
    if (!unit.inline || units.filter((u) => u.source === unit.source).length > 1) {
      left.push(unit);
      continue;
    }
    try {
      const batch = await kind.extract(ctx, p, unit, () => undefined, signal);
      log.info('staged', { pipeline: unit.pipeline, region: unit.region, source: unit.source, batchId: unit.batchId, rows: batch.rows });
      // Heartbeats reach the plan's activity; no attempt of it resumes another batch's statement (Redshift), it finds its own by name.
      const result = await kind.merge(ctx, p, batch, { heartbeat: (d) => activity.heartbeat(d) });
      log.info('merged', { pipeline: p.name, region: unit.region, source: unit.source, ...result });
      inline.push({ staged: batch, merged: result });
    } catch (err) {
      if (signal.aborted) throw err;
      log.warn('small unit left to the workflow', { pipeline: p.name, region: unit.region, source: unit.source, batchId: unit.batchId, error: (err as Error).message });
      left.push(unit);
    }
  }
  return { units: left, inline };
}

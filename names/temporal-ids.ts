// What Tributary calls things in Temporal: the task queue of a region, the workflow ids of runs,
// backfills, verifies and continuous CDC, and the schedule ids, each with its parser. Every one
// starts with the deployment's prefix. Pure: workflow code may import it.
import { prefixOf, type Deployment } from './deployment.js';

// ---- task queues

/** One task queue per region: "<prefix>-<region>". */
export function taskQueue(d: Deployment, region: string): string {
  return `${prefixOf(d)}-${region}`;
}

/**
 * The Worker Deployment of a region's workers (Worker Versioning): named after their task queue,
 * so each region rolls to a new build on its own.
 */
export function workerDeploymentName(d: Deployment, region: string): string {
  return taskQueue(d, region);
}

/**
 * The region a task queue of this deployment serves, or null when the queue is not one of its.
 * A queue says nothing of its prefix by itself ("a-b-eu" is region "b-eu" of prefix "a", or "eu"
 * of "a-b"), so the deployment is asked for.
 */
export function taskQueueRegion(d: Deployment, queue: string): string | null {
  const head = `${prefixOf(d)}-`;
  return queue.startsWith(head) && queue.length > head.length ? queue.slice(head.length) : null;
}

// ---- workflow ids

export type WorkflowKind = 'sync' | 'backfill' | 'verify' | 'cdc';

/** A manual sync run's id; a schedule's runs get the server's "-<nominal time>" on top. */
export function syncWorkflowId(d: Deployment, pipeline: string, region: string): string {
  return `${syncWorkflowIdPrefix(d)}${pipeline}/${region}`;
}

/** What the id of every sync run of the deployment starts with. */
export function syncWorkflowIdPrefix(d: Deployment): string {
  return `${prefixOf(d)}/sync/`;
}

/** A replay of one pipeline and region's staged batches, named by its replay id. */
export function replayWorkflowId(d: Deployment, pipeline: string, region: string, replayId: string): string {
  return `${prefixOf(d)}/replay/${pipeline}/${region}/${replayId}`;
}

/** One verify at a time per pipeline and region; a verify schedule's runs get the time on top too. */
export function verifyWorkflowId(d: Deployment, pipeline: string, region: string): string {
  return `${prefixOf(d)}/verify/${pipeline}/${region}`;
}

/** One resnapshot at a time per pipeline and region. */
export function resnapshotWorkflowId(d: Deployment, pipeline: string, region: string): string {
  return `${prefixOf(d)}/resnapshot/${pipeline}/${region}`;
}

/** One continuous CDC workflow per pipeline and region. */
export function cdcWorkflowId(d: Deployment, pipeline: string, region: string): string {
  return `${prefixOf(d)}/cdc/${pipeline}/${region}`;
}

/** What a backfill id is made of (BackfillInput has these fields). */
export interface BackfillName {
  pipeline: string;
  region: string;
  /** One source server (endpoint id, "app/us/cell-1"); every server of the region when absent. */
  source?: string;
  /** The watermark range; null for a dimension's full re-sync. */
  from: string | null;
  to: string | null;
  adoptZone?: boolean;
}

/**
 * One id per pipeline, region, source and range, so starting the same backfill again attaches to
 * it: "<prefix>/backfill/<pipeline>/<region>[/<source, ':' for '/'>]/<from>-<to>|full[-adopt-zone]".
 */
export function backfillWorkflowId(d: Deployment, b: BackfillName): string {
  const where = [b.pipeline, b.region, ...(b.source ? [b.source.replaceAll('/', ':')] : [])].join('/');
  const range = (b.from === null ? 'full' : `${b.from}-${b.to}`) + (b.adoptZone ? ADOPT_ZONE : '');
  return `${prefixOf(d)}/backfill/${where}/${range}`;
}

const ADOPT_ZONE = '-adopt-zone';
/** A backfill's watermarks are in the ledger's form: UTC with microseconds. */
const WATERMARK = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z`;
const RANGE = new RegExp(`^(${WATERMARK})-(${WATERMARK})$`);
/** The nominal time the server appends to the workflow id of a scheduled run ("-2026-01-01T03:00:00Z"). */
const SCHEDULED_AT = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/;

export interface WorkflowName {
  prefix: string;
  kind: WorkflowKind;
  pipeline: string;
  region: string;
  /** A run a schedule started: the nominal time the server appended to the id. */
  scheduledAt?: string;
  /** Backfills: the source server, the range (null for a full re-sync) and adopt-zone. */
  source?: string;
  from?: string | null;
  to?: string | null;
  adoptZone?: boolean;
}

const KINDS: readonly string[] = ['sync', 'backfill', 'verify', 'cdc'] satisfies WorkflowKind[];
const segment = (s: string | undefined): s is string => s !== undefined && s.length > 0;

/** The parts of a workflow id Tributary made, or null for any other id. */
export function parseWorkflowId(id: string): WorkflowName | null {
  const parts = id.split('/');
  const [prefix, kind, pipeline] = parts;
  if (!segment(prefix) || !segment(kind) || !KINDS.includes(kind) || !segment(pipeline)) return null;
  if (kind === 'backfill') {
    if (parts.length !== 5 && parts.length !== 6) return null;
    const region = parts[3];
    const source = parts.length === 6 ? parts[4] : undefined;
    let range = parts[parts.length - 1]!;
    const adoptZone = range.endsWith(ADOPT_ZONE);
    if (adoptZone) range = range.slice(0, -ADOPT_ZONE.length);
    if (!segment(region) || (source !== undefined && !segment(source))) return null;
    const m = range === 'full' ? null : RANGE.exec(range);
    if (range !== 'full' && !m) return null;
    return {
      prefix,
      kind,
      pipeline,
      region,
      ...(source !== undefined ? { source: source.replaceAll(':', '/') } : {}),
      from: m ? m[1]! : null,
      to: m ? m[2]! : null,
      ...(adoptZone ? { adoptZone } : {}),
    };
  }
  const last = parts[3];
  if (parts.length !== 4 || !segment(last)) return null;
  const at = kind === 'cdc' ? null : SCHEDULED_AT.exec(last);
  const region = at ? last.slice(0, at.index) : last;
  if (!segment(region)) return null;
  return { prefix, kind: kind as WorkflowKind, pipeline, region, ...(at ? { scheduledAt: at[1]! } : {}) };
}

/** True for the id of a sync run of this pipeline and region: the manual one, or one a schedule started. */
export function isSyncRunOf(d: Deployment, pipeline: string, region: string, workflowId: string): boolean {
  const n = parseWorkflowId(workflowId);
  return n !== null && n.kind === 'sync' && n.prefix === prefixOf(d) && n.pipeline === pipeline && n.region === region;
}

// ---- schedule ids

export type ScheduleKind = 'sync' | 'verify';

/** A pipeline's sync schedule in a region: "<prefix>/<pipeline>/<region>". */
export function scheduleId(d: Deployment, pipeline: string, region: string): string {
  return `${prefixOf(d)}/${pipeline}/${region}`;
}

/** Its verify schedule: "<prefix>/<pipeline>/<region>/verify". */
export function verifyScheduleId(d: Deployment, pipeline: string, region: string): string {
  return `${scheduleId(d, pipeline, region)}/verify`;
}

/**
 * Schedule ids once began with "tributary/" whatever the deployment's prefix (the memo said whose
 * they were). For the default prefix the old ids are the new ones; another deployment's old ids
 * are renamed by `tributary apply`.
 */
export const LEGACY_SCHEDULE_PREFIX = 'tributary';

export interface ScheduleName {
  /** The id's first segment: the deployment's prefix, or LEGACY_SCHEDULE_PREFIX for an old id. */
  prefix: string;
  pipeline: string;
  region: string;
  kind: ScheduleKind;
}

export function scheduleIdOf(n: ScheduleName): string {
  return n.kind === 'verify' ? verifyScheduleId(n.prefix, n.pipeline, n.region) : scheduleId(n.prefix, n.pipeline, n.region);
}

/** The parts of a schedule id Tributary made (new or old), or null for any other id. */
export function parseScheduleId(id: string): ScheduleName | null {
  const parts = id.split('/');
  const [prefix, pipeline, region, last] = parts;
  if (!segment(prefix) || !segment(pipeline) || !segment(region)) return null;
  if (parts.length === 3) return { prefix, pipeline, region, kind: 'sync' };
  if (parts.length === 4 && last === 'verify') return { prefix, pipeline, region, kind: 'verify' };
  return null;
}

/** The id prefixes a deployment's schedules can have: its own, and the old shared one. */
export function scheduleIdPrefixes(d: Deployment): string[] {
  return [...new Set([`${prefixOf(d)}/`, `${LEGACY_SCHEDULE_PREFIX}/`])];
}

/** The old id of one of this deployment's schedule ids; null when it has none other than itself. */
export function legacyScheduleId(d: Deployment, id: string): string | null {
  const n = parseScheduleId(id);
  if (!n || n.prefix !== prefixOf(d) || n.prefix === LEGACY_SCHEDULE_PREFIX) return null;
  return scheduleIdOf({ ...n, prefix: LEGACY_SCHEDULE_PREFIX });
}

/**
 * The id an old schedule id becomes for this deployment; null when the id is not an old one for
 * it (a new id, another deployment's, or the default prefix, whose old ids stay). Whether the
 * schedule is this deployment's at all is its memo's to say, not the id's.
 */
export function renamedScheduleId(d: Deployment, id: string): string | null {
  const n = parseScheduleId(id);
  if (!n || n.prefix !== LEGACY_SCHEDULE_PREFIX || prefixOf(d) === LEGACY_SCHEDULE_PREFIX) return null;
  return scheduleIdOf({ ...n, prefix: prefixOf(d) });
}

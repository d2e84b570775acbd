// The range a watermark run may read, for facts and incremental dimensions alike: from the
// checkpoint (minus the look-back, and lower when a transaction that was in flight at an
// earlier plan has since committed) up to the safe upper bound, taken on the primary, in the
// zone the watermark's values are written in, and checked against the table's newest rows.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { PostgresEndpoint } from '../../../config/resolve.js';
import { type ActivityDeps } from '../../deps.js';
import { boundTarget } from '../../sources/postgres/target.js';
import { badInput } from '../../errors.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { boundSql, MAX_XID_SPAN, replayedSql, type BoundRow } from '../../sources/postgres/bound-sql.js';
import { withPg } from '../../pg/connect.js';
import { advance, boundStateStream, formatState, parseState, type BoundState } from '../../sources/postgres/in-flight.js';
import { judge, newestSql, type Newest } from '../../sources/postgres/plausibility.js';
import { minusSeconds, type WatermarkType } from '../../sources/postgres/watermark-sql.js';
import { checkpointStream, normalZone, sourceTimeZone } from '../../sources/postgres/watermark-zone.js';

/** How long a plan waits for a standby to replay up to the primary's snapshot before it fails (and is retried). */
const REPLAY_WAIT_MS = 120_000;

export interface BoundSpec {
  pipeline: string;
  region: string;
  endpoint: PostgresEndpoint;
  schema: string;
  table: string;
  column: string;
  type: WatermarkType;
  lagSeconds: number;
  lookbackSeconds: number;
  /** The zone declared in the config for a naive watermark. */
  declaredZone?: string;
  /** A dimension's full pass reads the whole table: it may adopt a new zone by itself. */
  fullPass?: boolean;
}

export interface PlannedRange {
  /** Where the run reads from (look-back and re-reads applied); null: the beginning. */
  from: string | null;
  /** Exclusive upper watermark: the safe bound, or the checkpoint when only a re-read is due. */
  to: string;
  /** The ledger stream of the checkpoint, when it is not the table's own; its positions are wall-clock readings without the "Z". */
  checkpointStream?: string;
  /** The bound state, written with the run's merges. */
  marker: { stream: string; position: string };
  warnings: string[];
}

/**
 * Plans the range on `read` (the server rows are read from); returns null when nothing new is
 * safe to read and nothing must be read again.
 */
export async function planWatermarkRange(deps: ActivityDeps, warehouse: WarehouseDialect, spec: BoundSpec, read: pg.Client): Promise<PlannedRange | null> {
  const { endpoint } = spec;
  const stream = `${spec.schema}.${spec.table}`;
  const label = `pipeline ${spec.pipeline}, region ${spec.region}, source ${endpoint.id}, table ${stream}, column ${spec.column}`;
  const naive = spec.type === 'timestamp without time zone';
  const declared = spec.declaredZone === undefined ? undefined : normalZone(spec.declaredZone);
  const zone = !naive ? 'UTC' : (declared ?? (await sourceTimeZone(boundTarget(endpoint), deps.secrets, label)));
  const zoneNote = !naive ? 'UTC' : declared ? `${zone}, declared` : `${zone}, the source database's TimeZone`;
  const key = { pipeline: spec.pipeline, region: spec.region, source: endpoint.id };
  const cpStream = checkpointStream(stream, naive, zone);
  const checkpoint = await warehouse.readCheckpoint({ ...key, stream: cpStream });
  let prev = parseState(await warehouse.readCheckpoint({ ...key, stream: boundStateStream(stream) }));
  if (naive && prev && prev.zone !== zone && spec.fullPass) {
    // Adopted by this full pass: nothing recorded in the old zone's readings applies.
    prev = { ...prev, zone, pending: prev.pending.map(([x]) => [x, null]), newest: null };
  } else if (naive && !spec.fullPass) await refuseZoneChange(warehouse, key, stream, cpStream, prev, zone, label, spec.fullPass !== undefined);

  const row = await withPg(boundTarget(endpoint), deps.secrets, async (c) => (await c.query<BoundRow>(boundSql(), [spec.lagSeconds, zone])).rows[0]!);
  if (row.standby) {
    throw badInput(
      endpoint.primary
        ? `${label}: the declared primary ${endpoint.primary.host} is itself a standby (in recovery); declare the server that takes the writes`
        : `${label}: the server is a hot standby, whose snapshot cannot see the primary's open transactions, so late commits could be skipped; declare its primary on the server (primary: { host, port }), where the bound is taken, while rows are still read from the standby`,
    );
  }
  if (BigInt(row.next) - BigInt(row.xmin) > BigInt(MAX_XID_SPAN)) {
    throw new Error(`${label}: the oldest open transaction on the source is ${BigInt(row.next) - BigInt(row.xmin)} xids old (more than ${MAX_XID_SPAN}); the bound waits until it ends`);
  }
  if (endpoint.primary) await waitForReplay(read, row.lsn!, label);

  // A naive value read in UTC keeps the checkpoint text of before zones were recorded (with "Z").
  const hi = !naive ? row.instant : zone === 'UTC' ? `${row.local}Z` : row.local;
  const base = checkpoint === null ? null : minusSeconds(checkpoint, spec.lookbackSeconds);
  const next = advance(prev, { xmin: row.xmin, next: row.next, inProgress: row.in_progress, explained: row.explained }, zone, checkpoint, base);
  const reread = next.rereadFrom === undefined ? undefined : next.rereadFrom === null ? null : minusSeconds(next.rereadFrom, spec.lookbackSeconds);
  const from = checkpoint === null || reread === null ? null : reread !== undefined && reread < base! ? reread : base;

  const newest = (await read.query<Newest>(newestSql(spec.schema, spec.table, spec.column, naive), [row.local_now])).rows[0]!;
  const verdict = judge(newest, row.local_now, prev?.newest ?? null, naive, label, zoneNote);
  if (!verdict.ok) throw badInput(verdict.error);

  if (checkpoint !== null && hi <= checkpoint && reread === undefined) return null;
  const to = checkpoint !== null && hi < checkpoint ? checkpoint : hi;
  // Redshift keeps 4 KB per ledger position: a warning is cut short there, never the state.
  const state: BoundState = { ...next.state, bound: to, newest: newest.newest, ...(verdict.warning ? { warning: verdict.warning.slice(0, 400) } : {}) };
  return {
    from,
    to,
    ...(cpStream === stream ? {} : { checkpointStream: cpStream }),
    marker: { stream: boundStateStream(stream), position: formatState(state) },
    warnings: verdict.warning ? [verdict.warning] : [],
  };
}

/**
 * A naive watermark's checkpoint means something only in the zone it was read in. Another zone
 * now (a declared zone changed, or a checkpoint kept from before zones were recorded, read as
 * UTC) may have skipped rows between the two readings: refused until a backfill re-reads them.
 */
async function refuseZoneChange(
  warehouse: WarehouseDialect,
  key: { pipeline: string; region: string; source: string },
  stream: string,
  cpStream: string,
  prev: BoundState | null,
  zone: string,
  label: string,
  dimension: boolean,
): Promise<void> {
  let recorded = prev?.zone ?? null;
  if (recorded === null && cpStream !== stream && (await warehouse.readCheckpoint({ ...key, stream })) !== null) recorded = 'UTC';
  if (recorded === null || recorded === zone) return;
  const old = await warehouse.readCheckpoint({ ...key, stream: checkpointStream(stream, true, recorded) });
  const remedy = dimension
    ? `A full pass re-reads the table and adopts the zone: tributary run ${key.pipeline} --region ${key.region} --full-pass`
    : `Re-read them with a backfill that adopts the zone: tributary backfill ${key.pipeline} --region ${key.region} --from <a time before both readings> --to <now> --adopt-zone`;
  throw badInput(
    `${label}: the checkpoint${old ? ` ${old}` : ''} was read in zone ${recorded}, and the watermark is now read in zone ${zone}; rows stamped between the two readings of it may have been skipped. ${remedy}`,
  );
}

async function waitForReplay(read: pg.Client, lsn: string, label: string): Promise<void> {
  const deadline = Date.now() + REPLAY_WAIT_MS;
  for (;;) {
    const r = (await read.query<{ replayed: boolean | null; standby: boolean }>(replayedSql, [lsn])).rows[0]!;
    if (!r.standby) return; // read from the primary itself (or a promoted standby): it has everything
    if (r.replayed) return;
    if (Date.now() > deadline) throw new Error(`${label}: the standby has not replayed the primary's WAL up to ${lsn} within ${REPLAY_WAIT_MS / 1000} s; the plan is retried`);
    await sleep(250);
  }
}

// Adopting a new zone for a naive watermark: the checkpoint of the old zone says nothing about
// the new one, and rows stamped between the two readings of it may have been skipped. A backfill
// with --adopt-zone re-reads from a point below both readings (an hour lower for a clock change,
// and the look-back), and its chunks start the new zone's checkpoint at that point, so the next
// runs read everything above it again, under the in-flight record, in the new zone.
import type { PostgresEndpoint } from '../../../config/resolve.js';
import type { FactPipelineConfig } from '../../../config/schema.js';
import { type ActivityDeps } from '../../deps.js';
import { boundTarget } from '../../sources/postgres/target.js';
import { badInput } from '../../errors.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { NAIVE_FORMAT } from '../../sources/postgres/bound-sql.js';
import { withPg } from '../../pg/connect.js';
import { boundStateStream, formatState, parseState } from '../../sources/postgres/in-flight.js';
import { minusSeconds } from '../../sources/postgres/watermark-sql.js';
import { checkpointStream, normalZone, sourceTimeZone } from '../../sources/postgres/watermark-zone.js';

/** The positions a backfill's chunks write to adopt the zone (forward-only: a second write changes nothing). */
export async function adoptZoneMarkers(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: FactPipelineConfig,
  region: string,
  endpoint: PostgresEndpoint,
  stream: string,
  from: string,
): Promise<{ stream: string; position: string }[]> {
  const label = `pipeline ${p.name}, region ${region}, source ${endpoint.id}, table ${stream}, column ${p.watermark}`;
  const zone = p.watermarkTimeZone ? normalZone(p.watermarkTimeZone) : await sourceTimeZone(boundTarget(endpoint), deps.secrets, label);
  const key = { pipeline: p.name, region, source: endpoint.id };
  const prev = parseState(await warehouse.readCheckpoint({ ...key, stream: boundStateStream(stream) }));
  const legacy = prev === null && (await warehouse.readCheckpoint({ ...key, stream })) !== null;
  const recorded = prev?.zone ?? (legacy ? 'UTC' : null);
  if (recorded === null || recorded === zone) throw badInput(`${label}: nothing to adopt: the checkpoint is already read in zone ${zone}`);
  const old = await warehouse.readCheckpoint({ ...key, stream: checkpointStream(stream, true, recorded) });
  if (old !== null) {
    // The old checkpoint's instant, read on the new zone's clock; the lower of the two readings.
    const converted = await withPg(boundTarget(endpoint), deps.secrets, async (c) =>
      (await c.query<{ v: string }>(`SELECT to_char(($1::timestamp AT TIME ZONE $2) AT TIME ZONE $3, '${NAIVE_FORMAT}') AS v`, [old.replace(/Z$/, ''), recorded, zone])).rows[0]!.v,
    );
    const lower = converted < old.replace(/Z$/, '') ? converted : old.replace(/Z$/, '');
    const need = minusSeconds(`${lower}Z`, 3_600 + p.options.lookbackSeconds);
    if (from.replace(/Z$/, '') > need.replace(/Z$/, '')) {
      throw badInput(`${label}: to adopt zone ${zone}, the backfill must start at or before ${need.replace(/Z$/, '')} (the checkpoint ${old} of zone ${recorded} read on both clocks, less an hour and the look-back); got --from ${from}`);
    }
  }
  const start = zone === 'UTC' ? `${from.replace(/Z$/, '')}Z` : from.replace(/Z$/, '');
  const state = { seq: (prev?.seq ?? 0) + 1, zone, bound: start, next: prev?.next ?? '0', pending: (prev?.pending ?? []).map(([x]): [string, string | null] => [x, start]), newest: null };
  return [
    { stream: checkpointStream(stream, true, zone), position: start },
    { stream: boundStateStream(stream), position: formatState(state) },
  ];
}

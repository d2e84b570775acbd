// The zone a `timestamp without time zone` watermark's values are written in. Such a value is a
// wall-clock reading with no zone of its own: the bound, the checkpoint and the look-back must be
// wall-clock readings of the same zone, or the checkpoint runs hours ahead of the rows (loss)
// or behind them. The zone is the pipeline's declared one, else what an application session on
// the source gets (database, role or server TimeZone), never our own UTC sessions'.
import type pg from 'pg';
import type { SecretProvider } from '../../secrets/provider.js';
import { badInput } from '../../errors.js';
import { connectPg, type PgTarget } from '../../pg/connect.js';

/** Names PostgreSQL accepts for UTC itself: one zone, whatever the spelling. */
const UTC_NAMES = new Set(
  ['utc', 'etc/utc', 'gmt', 'etc/gmt', 'etc/gmt0', 'etc/gmt+0', 'etc/gmt-0', 'gmt0', 'gmt+0', 'gmt-0', 'greenwich', 'etc/greenwich', 'uct', 'etc/uct', 'universal', 'etc/universal', 'zulu', 'etc/zulu', 'z'],
);

/** One spelling for UTC, so a server set to "Etc/UTC" reads the same ledger as one set to "UTC". */
export function normalZone(zone: string): string {
  return UTC_NAMES.has(zone.trim().toLowerCase()) ? 'UTC' : zone.trim();
}

/**
 * The ledger stream of a watermark checkpoint. A naive watermark read in a zone other than UTC
 * keeps its checkpoint under a stream of that zone, so a checkpoint of one zone is never compared
 * with (nor overwritten by) one of another: a zone change starts a new forward-only position.
 */
export function checkpointStream(stream: string, naive: boolean, zone: string): string {
  return naive && zone !== 'UTC' ? `${stream}@${zone}` : stream;
}

const PROBE_TTL_MS = 60_000;
const probes = new Map<string, { zone: string; at: number }>();

/**
 * The TimeZone an application session on this database gets. Read in a session of its own that
 * does not set TimeZone (ours are UTC), so database, role and server settings all apply; then any
 * role-level setting that differs makes the zone ambiguous: the pipeline must declare it.
 */
export async function sourceTimeZone(target: PgTarget, secrets: SecretProvider, label: string): Promise<string> {
  const key = `${target.host}:${target.port}/${target.database}/${target.secret}`;
  const hit = probes.get(key);
  if (hit && Date.now() - hit.at < PROBE_TTL_MS) return hit.zone;
  const client = await connectPg(target, secrets, true);
  try {
    const zone = normalZone((await client.query<{ tz: string }>('SELECT current_setting($1) AS tz', ['TimeZone'])).rows[0]!.tz);
    await refuseAmbiguousRoleZones(client, zone, label);
    probes.set(key, { zone, at: Date.now() });
    return zone;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A role with a TimeZone of its own on this database writes its timestamps in that zone, not the database's. */
async function refuseAmbiguousRoleZones(client: pg.Client, zone: string, label: string): Promise<void> {
  const res = await client.query<{ role: string; tz: string }>(
    `SELECT r.rolname AS role, split_part(s, '=', 2) AS tz
       FROM pg_db_role_setting d JOIN pg_roles r ON r.oid = d.setrole, unnest(d.setconfig) s
      WHERE d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
        AND lower(split_part(s, '=', 1)) = 'timezone'`,
  );
  const other = res.rows.filter((r) => normalZone(r.tz) !== zone);
  if (other.length > 0) {
    const roles = other.map((r) => `${r.role}: ${r.tz}`).join(', ');
    throw badInput(
      `${label}: the database's sessions get TimeZone ${zone}, but roles have their own (${roles}); a timestamp without time zone watermark could be written in either. Declare the zone its values are written in (watermarkTimeZone, or timeZone of an incremental dimension)`,
    );
  }
}

/** The zone's offset from UTC at an instant, in ms (Intl knows the same tz database rules). */
function offsetAt(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(ms);
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(ms / 1000) * 1000;
}

/**
 * A wall-clock reading of a zone as an ISO instant (for freshness and lag). A reading the clock
 * shows twice (DST ends) is taken at its earlier instant, so freshness is never overstated.
 */
export function wallClockToInstant(reading: string, zone: string): string {
  const local = Date.parse(`${reading.replace(/Z$/, '').slice(0, 23)}Z`);
  if (zone === 'UTC') return new Date(local).toISOString();
  const first = local - offsetAt(local, zone);
  const candidates = [first, local - offsetAt(first, zone)].filter((t) => t + offsetAt(t, zone) === local);
  return new Date(candidates.length ? Math.min(...candidates) : first).toISOString();
}

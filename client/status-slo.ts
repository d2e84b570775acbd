// Pure: a status row's freshness against its pipeline's SLO. In breach since the moment the
// freshness passed the SLO: the newest data known complete plus the SLO.

/** "ok", "breached since <ISO time>", or null when the freshness is unknown (never run). */
export function sloState(freshnessSeconds: number | null, sloSeconds: number, now: Date): string | null {
  if (freshnessSeconds === null) return null;
  if (freshnessSeconds <= sloSeconds) return 'ok';
  return `breached since ${new Date(now.getTime() - (freshnessSeconds - sloSeconds) * 1000).toISOString()}`;
}

export function withSlo<R extends { freshnessSeconds: number | null }>(row: R, sloSeconds: number, now: Date): R & { sloSeconds: number; slo: string | null } {
  return { ...row, sloSeconds, slo: sloState(row.freshnessSeconds, sloSeconds, now) };
}

// The freshness SLO: the config's values and defaults, a schedule's longest gap, and the status
// column built from them.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import { longestScheduleGapSeconds } from '../../config/schedule-gap.js';
import { freshnessSloSeconds, SLO_SLACK_SECONDS } from '../../config/slo.js';
import { sloState, withSlo } from '../../client/status-slo.js';
import { statusTable } from '../../cli/commands/status.js';
import type { StatusRow } from '../../client/status-rows.js';

const config = (extra: Record<string, unknown>, pipeline: Record<string, unknown> = {}) =>
  validateConfig('test', {
    sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }] } },
    warehouse: { type: 'postgres', secret: 'warehouse' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    ...extra,
    pipelines: [{ name: 'orders', kind: 'fact', source: 'app', table: 'orders', key: ['id'], watermark: 'updated_at', ...pipeline }],
  });

describe('a schedule\'s longest gap', () => {
  it('is the longest time between two fires, over a year of UTC fires', () => {
    expect(longestScheduleGapSeconds('*/15 * * * *')).toBe(900);
    expect(longestScheduleGapSeconds('@every 10m')).toBe(600);
    expect(longestScheduleGapSeconds('@every 2h')).toBe(7_200);
    expect(longestScheduleGapSeconds('0 3 * * *')).toBe(86_400);
    expect(longestScheduleGapSeconds('0 */6 * * *')).toBe(21_600);
    expect(longestScheduleGapSeconds('0,10 * * * *')).toBe(3_000);
    // Office hours on weekdays: Friday 17:00 to Monday 09:00.
    expect(longestScheduleGapSeconds('0 9-17 * * 1-5')).toBe(64 * 3_600);
    expect(longestScheduleGapSeconds('0 3 1 1 *')).toBe(365 * 86_400);
    // Both day fields set: either matches (the 1st, and every Sunday).
    expect(longestScheduleGapSeconds('0 0 1 * 0')).toBeLessThanOrEqual(7 * 86_400);
    // 29 February: no fire in the scanned year.
    expect(longestScheduleGapSeconds('0 0 29 2 *')).toBeNull();
  });
});

describe('the freshness SLO', () => {
  it('is the pipeline\'s own, else the config\'s, else the schedule\'s longest gap plus 15 minutes', () => {
    const own = config({ slo: { freshnessSeconds: 1_800 } }, { slo: { freshnessSeconds: 600 } });
    expect(freshnessSloSeconds(own, own.pipelines[0]!)).toBe(600);
    const shared = config({ slo: { freshnessSeconds: 1_800 } });
    expect(freshnessSloSeconds(shared, shared.pipelines[0]!)).toBe(1_800);
    const none = config({});
    expect(SLO_SLACK_SECONDS).toBe(900);
    expect(freshnessSloSeconds(none, none.pipelines[0]!)).toBe(900 + 900);
  });

  it('the config refuses a bad SLO, naming the field', () => {
    expect(() => config({}, { slo: { freshnessSeconds: 0 } })).toThrow(/pipelines\[0\]\.slo\.freshnessSeconds: expected a freshness SLO of at least 1 second/);
    expect(() => config({ slo: { freshness: 900 } })).toThrow(/slo: unknown field "freshness"/);
    expect(() => config({ slo: { freshnessSeconds: '15m' } })).toThrow(/slo\.freshnessSeconds: expected the freshness SLO in seconds/);
  });
});

describe('the status SLO column', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');

  it('is ok within the SLO, breached since the moment freshness passed it, unknown before any data', () => {
    expect(sloState(900, 900, now)).toBe('ok');
    expect(sloState(0, 900, now)).toBe('ok');
    expect(sloState(1_000, 900, now)).toBe('breached since 2026-11-27T11:58:20.000Z');
    expect(sloState(null, 900, now)).toBeNull();
    expect(withSlo({ freshnessSeconds: 1_000 }, 900, now)).toEqual({ freshnessSeconds: 1_000, sloSeconds: 900, slo: 'breached since 2026-11-27T11:58:20.000Z' });
  });

  it('shows in the table `tributary status` prints', () => {
    const row: StatusRow = {
      pipeline: 'orders', region: 'us', kind: 'fact', source: 'app/us', cell: null, lastSuccess: '2026-11-27T11:40:00.000Z', rows: 5,
      freshnessSeconds: 1_200, lagSeconds: 0, lagMessages: null, counts: null, state: 'ok', schedule: 'active',
    };
    const lines = statusTable([withSlo(row, 900, now), withSlo({ ...row, region: 'eu', freshnessSeconds: 60 }, 900, now)]).split('\n');
    expect(lines[0]).toMatch(/\bstate\s+SLO\s+detail\b/);
    expect(lines.find((l) => l.startsWith('orders    us'))).toContain('breached since 2026-11-27T11:55:00.000Z');
    expect(lines.find((l) => l.startsWith('orders    eu'))).toMatch(/\bok\s+ok\b/);
  });
});

import { describe, expect, it } from 'vitest';
import { judge } from '../../activities/sources/postgres/plausibility.js';
import { checkpointStream, normalZone } from '../../activities/sources/postgres/watermark-zone.js';

const NOW = '2026-12-06T20:00:00.000000';
const what = 'pipeline orders, region us, source app/us, table public.orders, column updated_at';

describe('is the zone assumed for a watermark the one its values are written in', () => {
  it('fails when many rows sit a whole number of hours ahead of the clock', () => {
    const v = judge({ newest: '2026-12-07T05:00:01.000000', future: 400 }, NOW, null, true, what, 'UTC, the source database\'s TimeZone');
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.error).toContain(what);
      expect(v.error).toContain('9:00 h east');
      expect(v.error).toContain('UTC, the source database\'s TimeZone');
      expect(v.error).toContain('watermarkTimeZone');
    }
  });

  it('warns, and goes on, for a handful of rows stamped in the future', () => {
    const v = judge({ newest: '2026-12-06T23:00:00.000000', future: 3 }, NOW, null, true, what, 'UTC');
    expect(v.ok).toBe(true);
    expect(v.ok && v.warning).toContain('3 row(s) stamped more than 5 minutes ahead');
    const tz = judge({ newest: '2026-12-07T05:00:00.000000Z', future: 400 }, `${NOW}Z`, null, false, what, 'UTC');
    expect(tz.ok).toBe(true);
  });

  it('fails when rows are being written but the newest sits whole hours behind the clock', () => {
    const v = judge({ newest: '2026-12-06T15:00:30.000000', future: 0 }, NOW, '2026-12-06T14:50:00.000000', true, what, 'UTC');
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toContain('5:00 h west');
  });

  it('accepts rows hours old when none are being written, and rows a few minutes behind', () => {
    expect(judge({ newest: '2026-12-06T15:00:00.000000', future: 0 }, NOW, '2026-12-06T15:00:00.000000', true, what, 'UTC').ok).toBe(true);
    expect(judge({ newest: '2026-12-06T19:57:00.000000', future: 0 }, NOW, '2026-12-06T19:50:00.000000', true, what, 'UTC').ok).toBe(true);
    expect(judge({ newest: '2026-12-06T17:20:00.000000', future: 0 }, NOW, '2026-12-06T17:10:00.000000', true, what, 'UTC').ok).toBe(true);
    expect(judge({ newest: null, future: 0 }, NOW, null, true, what, 'UTC').ok).toBe(true);
  });
});

describe('watermark zones in the ledger', () => {
  it('spells UTC one way and keeps other zones apart', () => {
    expect(normalZone('Etc/UTC')).toBe('UTC');
    expect(normalZone('GMT')).toBe('UTC');
    expect(normalZone('America/New_York')).toBe('America/New_York');
    expect(checkpointStream('public.t', true, 'UTC')).toBe('public.t');
    expect(checkpointStream('public.t', true, 'Asia/Tokyo')).toBe('public.t@Asia/Tokyo');
    expect(checkpointStream('public.t', false, 'Asia/Tokyo')).toBe('public.t');
  });
});

describe('offsets beyond any two zones', () => {
  it('are not a zone apart: rows days old that are still being written (backdated) pass', () => {
    expect(judge({ newest: '2026-11-01T01:50:00.000000', future: 0 }, '2026-12-06T15:51:00.000000', '2026-11-01T01:40:00.000000', true, what, 'UTC').ok).toBe(true);
  });
});

describe('wall-clock readings as instants', () => {
  it('reads a zone\'s clock, and the repeated hour at its earlier instant', async () => {
    const { wallClockToInstant } = await import('../../activities/sources/postgres/watermark-zone.js');
    expect(wallClockToInstant('2026-12-06T15:02:38.000000', 'America/New_York')).toBe('2026-12-06T20:02:38.000Z');
    expect(wallClockToInstant('2026-07-01T09:00:00.000000', 'Asia/Tokyo')).toBe('2026-07-01T00:00:00.000Z');
    expect(wallClockToInstant('2026-11-01T01:30:00.000000', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    expect(wallClockToInstant('2026-11-01T01:30:00.000000Z', 'UTC')).toBe('2026-11-01T01:30:00.000Z');
  });
});

import { describe, expect, it } from 'vitest';
import { fullPassDue, fullPassStream } from '../../activities/kinds/dimension/plan.js';

describe('incremental dimensions: when a full pass is due', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  it('is due when none ran yet', () => expect(fullPassDue(null, now, 24)).toBe(true));
  it('is not due inside the interval', () => expect(fullPassDue('2026-11-26T12:00:00.001Z', now, 24)).toBe(false));
  it('is due once the interval has passed', () => expect(fullPassDue('2026-11-26T12:00:00.000Z', now, 24)).toBe(true));
  it('keeps its time under a stream of its own', () => expect(fullPassStream('public.customers')).toBe('public.customers#full-pass'));
});

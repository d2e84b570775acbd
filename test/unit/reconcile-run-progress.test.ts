import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { runProgress } from '../../client/run-progress.js';

const scheduled = (id: number, name: string) => ({ eventId: id, activityTaskScheduledEventAttributes: { activityType: { name } } });
const completed = (id: number, of: number, result?: unknown) => ({
  eventId: id,
  activityTaskCompletedEventAttributes: { scheduledEventId: of, ...(result ? { result: { payloads: [defaultPayloadConverter.toPayload(result)] } } : {}) },
});

describe('run progress from history', () => {
  it('is "planning" until the plan completes, then counts extracted and merged units', () => {
    expect(runProgress([scheduled(5, 'planRange')])).toEqual({ units: null, extracted: 0, merged: 0, retrying: 0 });
    const events = [
      scheduled(5, 'planRange'),
      completed(7, 5, { pipeline: 'orders', region: 'us', maxParallel: 2, units: [{}, {}, {}] }),
      scheduled(11, 'extractToStage'),
      scheduled(12, 'extractToStage'),
      completed(15, 11),
      scheduled(17, 'mergeStaged'),
      completed(19, 17),
      completed(20, 12),
    ];
    expect(runProgress(events)).toEqual({ units: 3, extracted: 2, merged: 1, retrying: 0 });
  });

  it('counts the units a plan extracted and merged itself as extracted and merged', () => {
    const inline = [{ staged: {}, merged: {} }];
    const events = [scheduled(5, 'planRange'), completed(7, 5, { pipeline: 'orders', region: 'us', maxParallel: 2, units: [{}], inline })];
    expect(runProgress(events)).toEqual({ units: 2, extracted: 1, merged: 1, retrying: 0 });
  });
});

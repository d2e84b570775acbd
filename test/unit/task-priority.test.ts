// The priority and fairness key every activity carries (names/task-priority.ts).
import { describe, expect, it } from 'vitest';
import { activityPriority, BACKFILL_PRIORITY_KEY } from '../../names/task-priority.js';

describe('activityPriority', () => {
  it('keys a regular run by its source server and leaves its priority at the default', () => {
    expect(activityPriority('app/us')).toEqual({ fairnessKey: 'app/us' });
  });

  it('puts a backfill behind the default priority 3, keyed by its Kafka cell', () => {
    expect(activityPriority('events/us/cell-1', true)).toEqual({ fairnessKey: 'events/us/cell-1', priorityKey: BACKFILL_PRIORITY_KEY });
    expect(BACKFILL_PRIORITY_KEY).toBeGreaterThan(3);
  });
});

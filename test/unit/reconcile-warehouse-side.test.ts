// Verify and repair on a warehouse whose side is not built refuse at once (BadInput, not retried).
import { describe, expect, it } from 'vitest';
import { withWarehouseSide } from '../../activities/reconcile/warehouse-side.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { ApplicationFailure } from '@temporalio/common';

describe('withWarehouseSide', () => {
  it('refuses a Redshift warehouse with a reason, before any statement', async () => {
    let called = false;
    const deps = { config: { warehouse: { type: 'redshift', awsRegion: 'us-east-1', database: 'dev', schema: 's', workgroup: 'bi' } } } as unknown as ActivityDeps;
    const err = await Promise.resolve()
      .then(() => withWarehouseSide(deps, () => Promise.resolve((called = true))))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('BadInput');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/Redshift side is not built yet/);
    expect(called).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import { verifyArgs } from '../../client/verify.js';
import { desiredSchedules } from '../../schedules/index.js';

const config = (verify?: unknown) =>
  validateConfig('test', {
    sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }, { region: 'eu', secret: 'app-eu' }] } },
    warehouse: { type: 'postgres', secret: 'warehouse' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    temporal: { taskQueuePrefix: 'tributary', heartbeatTimeoutSeconds: 30 },
    pipelines: [{ name: 'orders', kind: 'fact', source: 'app', table: 'orders', key: ['id'], watermark: 'updated_at', ...(verify ? { verify } : {}) }],
  });

describe('verify schedules', () => {
  it('are made only for pipelines whose verify block has a schedule', () => {
    expect(desiredSchedules(config()).map((d) => d.id)).toEqual(['tributary/orders/us', 'tributary/orders/eu']);
    expect(desiredSchedules(config({ buckets: 16 })).map((d) => d.id)).toEqual(['tributary/orders/us', 'tributary/orders/eu']);
  });

  it('start verifyPipeline per region with the configured buckets and repair', () => {
    const all = desiredSchedules(config({ schedule: '0 5 * * *', buckets: 16, repair: true }));
    const v = all.find((d) => d.id === 'tributary/orders/eu/verify')!;
    expect(all.map((d) => d.id)).toEqual(['tributary/orders/us', 'tributary/orders/eu', 'tributary/orders/us/verify', 'tributary/orders/eu/verify']);
    expect(v.options.action).toMatchObject({
      workflowType: 'verifyPipeline',
      workflowId: 'tributary/verify/orders/eu',
      taskQueue: 'tributary-eu',
      args: [{ pipeline: 'orders', region: 'eu', buckets: 16, repair: true }, { heartbeatTimeoutSeconds: 30 }],
    });
    expect(v.options.spec).toEqual({ cronExpressions: ['0 5 * * *'] });
    // A change to the verify block changes the hash, so apply updates the schedule.
    const other = desiredSchedules(config({ schedule: '0 5 * * *', buckets: 32, repair: true })).find((d) => d.id === v.id)!;
    expect(other.hash).not.toBe(v.hash);
  });

  it('the config refuses a bad verify block, saying what was expected', () => {
    expect(() => config({ buckets: 0 })).toThrow(/expected at least 1 bucket/);
    expect(() => config({ schedule: 'daily' })).toThrow(/expected a cron expression/);
  });
});

describe('verify schedules and `tributary verify`', () => {
  it('start verifyPipeline with the same arguments', () => {
    for (const verify of [{ schedule: '0 5 * * *' }, { schedule: '0 5 * * *', buckets: 16, repair: true }]) {
      const cfg = config(verify);
      const v = desiredSchedules(cfg).find((d) => d.id === 'tributary/orders/eu/verify')!;
      const p = cfg.pipelines[0]!;
      expect(v.options.action.args).toEqual(verifyArgs(cfg, { pipeline: 'orders', region: 'eu', repair: p.kind === 'fact' ? p.verify?.repair : undefined }));
    }
  });
});

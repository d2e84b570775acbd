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
    pipelines: [{ name: 'orders', kind: 'fact', source: 'app', table: 'orders', key: ['id'], watermark: 'updated_at', ...(verify !== undefined ? { verify } : {}) }],
  });

const ALL_FOUR = ['tributary/orders/us', 'tributary/orders/eu', 'tributary/orders/us/verify', 'tributary/orders/eu/verify'];

describe('verify schedules', () => {
  it('are made for every pipeline by default, daily with few buckets; verify: false turns them off', () => {
    const byDefault = desiredSchedules(config());
    expect(byDefault.map((d) => d.id)).toEqual(ALL_FOUR);
    const v = byDefault.find((d) => d.id === 'tributary/orders/us/verify')!;
    expect(v.options.spec).toEqual({ cronExpressions: ['30 4 * * *'], jitter: 60_000 });
    expect(v.options.action.args[0]).toEqual({ pipeline: 'orders', region: 'us', buckets: 16, repair: false });
    expect(desiredSchedules(config({ buckets: 8 })).map((d) => d.id)).toEqual(ALL_FOUR);
    expect(desiredSchedules(config(false)).map((d) => d.id)).toEqual(['tributary/orders/us', 'tributary/orders/eu']);
  });

  it('are made for topics and for cdc pipelines that name their captured table; a topic has no repair', () => {
    const cfg = validateConfig('test', {
      sources: {
        app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }] },
        events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'], secret: 'k' }] },
      },
      warehouse: { type: 'postgres', secret: 'warehouse' },
      stage: { type: 'file', path: 'stage' },
      secrets: { provider: 'env' },
      pipelines: [
        { name: 'captured', kind: 'cdc', source: 'events', topic: 'app.public.orders', target: 'orders', key: ['id'], options: { capturedFrom: { source: 'app', table: 'public.orders' } } },
        { name: 'uncaptured', kind: 'cdc', source: 'events', topic: 'app.public.zones', target: 'zones', key: ['id'] },
        { name: 'clicks', kind: 'topic', source: 'events', topic: 'clicks', target: 'clicks', columns: [{ name: 'id', path: 'id', type: 'bigint' }] },
      ],
    });
    expect(desiredSchedules(cfg).map((d) => d.id)).toEqual(['tributary/captured/us', 'tributary/uncaptured/us', 'tributary/clicks/us', 'tributary/captured/us/verify', 'tributary/clicks/us/verify']);
    const clicks = { name: 'clicks', kind: 'topic', source: 'events', topic: 'clicks', target: 'clicks', columns: [{ name: 'id', path: 'id', type: 'bigint' }] };
    const withTopic = (verify: unknown) =>
      validateConfig('test', {
        sources: { events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'], secret: 'k' }] } },
        warehouse: { type: 'postgres', secret: 'warehouse' },
        stage: { type: 'file', path: 'stage' },
        secrets: { provider: 'env' },
        pipelines: [{ ...clicks, verify }],
      });
    expect(() => withTopic({ repair: true })).toThrow(/pipelines\[0\]\.verify\.repair: a topic pipeline has no verify repair.*tributary replay/s);
    expect(desiredSchedules(withTopic(false)).map((d) => d.id)).toEqual(['tributary/clicks/us']);
  });

  it('are made on Redshift for every kind, facts and CDC with repair', () => {
    const cfg = validateConfig('test', {
      sources: {
        app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us', signalSecret: 'app-us-signal' }] },
        events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'], secret: 'k' }] },
      },
      warehouse: { type: 'redshift', workgroup: 'bi', database: 'dev', awsRegion: 'us-east-1', copyRoleArn: 'arn:aws:iam::123456789012:role/tributary-load' },
      stage: { type: 's3', bucket: 'tributary-stage', awsRegion: 'us-east-1' },
      secrets: { provider: 'env' },
      pipelines: [
        { name: 'orders', kind: 'fact', source: 'app', table: 'orders', key: ['id'], watermark: 'updated_at', verify: { schedule: '0 5 * * *', repair: true } },
        { name: 'captured', kind: 'cdc', source: 'events', topic: 'app.public.orders', target: 'captured', key: ['id'], options: { capturedFrom: { source: 'app', table: 'public.orders' } }, verify: { schedule: '0 5 * * *', repair: true } },
        { name: 'clicks', kind: 'topic', source: 'events', topic: 'clicks', target: 'clicks', columns: [{ name: 'id', path: 'id', type: 'bigint' }] },
      ],
    });
    const all = desiredSchedules(cfg);
    expect(all.map((d) => d.id)).toEqual(['tributary/orders/us', 'tributary/captured/us', 'tributary/clicks/us', 'tributary/orders/us/verify', 'tributary/captured/us/verify', 'tributary/clicks/us/verify']);
    const action = (id: string) => all.find((d) => d.id === id)!.options.action;
    expect(action('tributary/orders/us/verify')).toMatchObject({ workflowType: 'verifyPipeline', args: [{ pipeline: 'orders', repair: true }, expect.anything()] });
    expect(action('tributary/captured/us/verify')).toMatchObject({ workflowType: 'verifyPipeline', args: [{ pipeline: 'captured', repair: true }, expect.anything()] });
    expect(verifyArgs(cfg, { pipeline: 'orders', region: 'us', repair: true })[0]).toMatchObject({ pipeline: 'orders', region: 'us', repair: true });
    expect(verifyArgs(cfg, { pipeline: 'clicks', region: 'us' })[0]).toMatchObject({ pipeline: 'clicks', region: 'us' });
    expect(verifyArgs(cfg, { pipeline: 'captured', region: 'us' })[0]).toMatchObject({ pipeline: 'captured', region: 'us' });
    expect(verifyArgs(cfg, { pipeline: 'captured', region: 'us', repair: true })[0]).toMatchObject({ pipeline: 'captured', region: 'us', repair: true });
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
    expect(v.options.spec).toEqual({ cronExpressions: ['0 5 * * *'], jitter: 60_000 });
    // A change to the verify block changes the hash, so apply updates the schedule.
    const other = desiredSchedules(config({ schedule: '0 5 * * *', buckets: 32, repair: true })).find((d) => d.id === v.id)!;
    expect(other.hash).not.toBe(v.hash);
  });

  it('the config refuses a bad verify block, saying what was expected', () => {
    expect(() => config({ buckets: 0 })).toThrow(/expected at least 1 bucket/);
    expect(() => config({ schedule: 'daily' })).toThrow(/expected a cron expression/);
    expect(() => config(true)).toThrow(/expected verify: false, or \{ schedule, buckets, repair \}/);
  });
});

describe('verify schedules and `tributary verify`', () => {
  it('start verifyPipeline with the same arguments', () => {
    for (const verify of [undefined, { schedule: '0 5 * * *' }, { schedule: '0 5 * * *', buckets: 16, repair: true }]) {
      const cfg = config(verify);
      const v = desiredSchedules(cfg).find((d) => d.id === 'tributary/orders/eu/verify')!;
      const p = cfg.pipelines[0]!;
      expect(v.options.action.args).toEqual(verifyArgs(cfg, { pipeline: 'orders', region: 'eu', repair: p.kind === 'fact' && p.verify !== false ? p.verify.repair : undefined }));
    }
  });
});

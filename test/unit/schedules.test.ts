import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import type { TributaryConfig } from '../../config/schema.js';
import {
  contentHash,
  desiredSchedules,
  isOwnSchedule,
  PAUSED_IN_CONFIG,
  planReconcile,
  planRows,
  readExisting,
  scheduleIdsFor,
  type DesiredSchedule,
  type ExistingSchedule,
} from '../../schedules/index.js';
import { scheduleJitterMs, scheduleSpec } from '../../schedules/spec.js';

const PREFIX = 'tributary';

function config(pipelines: unknown[], temporal: Record<string, unknown> = {}): TributaryConfig {
  return validateConfig('test', {
    sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }, { region: 'eu', secret: 'app-eu' }] } },
    warehouse: { type: 'postgres', secret: 'warehouse' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    temporal: { taskQueuePrefix: PREFIX, heartbeatTimeoutSeconds: 30, ...temporal },
    pipelines,
  });
}

const fact = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'fact',
  source: 'app',
  table: `public.${name}`,
  key: ['id'],
  watermark: 'updated_at',
  // The sync schedules are what these tests look at; the default verify schedules are in reconcile-schedules.test.ts.
  verify: false,
  ...extra,
});

const base = () => config([fact('orders', { schedule: '*/15 * * * *' }), fact('payments', { schedule: '@every 10m', regions: ['eu'] }), fact('refunds', { paused: true, regions: ['us'] })]);

/** The schedule as the server reports it right after `desired` was applied (memos and state as created). */
function applied(d: DesiredSchedule, live: { paused?: boolean; note?: string } = {}): ExistingSchedule {
  return readExisting({
    scheduleId: d.id,
    memo: d.options.memo,
    action: { memo: d.options.action.memo },
    state: { paused: live.paused ?? d.paused, note: live.note ?? d.options.state?.note },
  });
}

const byId = (ds: DesiredSchedule[], id: string) => ds.find((d) => d.id === id)!;

describe('desiredSchedules', () => {
  it('makes one schedule per pipeline and region, with ids <task queue prefix>/<pipeline>/<region>', () => {
    expect(desiredSchedules(base()).map((d) => d.id)).toEqual(['tributary/orders/us', 'tributary/orders/eu', 'tributary/payments/eu', 'tributary/refunds/us']);
    expect(desiredSchedules(config([fact('orders')], { taskQueuePrefix: 'qa' })).map((d) => d.id)).toEqual(['qa/orders/us', 'qa/orders/eu']);
  });

  it('turns a cron into a cron spec and "@every 10m" into a 10-minute interval, each with a jitter', () => {
    const ds = desiredSchedules(base());
    expect(byId(ds, 'tributary/orders/us').options.spec).toEqual({ cronExpressions: ['*/15 * * * *'], jitter: 60_000 });
    expect(byId(ds, 'tributary/payments/eu').options.spec).toEqual({ intervals: [{ every: 600_000 }], jitter: 60_000 });
  });

  it('jitters a fire by a tenth of the schedule\'s longest gap, at most a minute', () => {
    const jitters = { '@every 30s': 3_000, '* * * * *': 6_000, '@every 5m': 30_000, '*/15 * * * *': 60_000, '0 3 * * *': 60_000, '0 0 30 2 *': 0 };
    expect(Object.fromEntries(Object.keys(jitters).map((s) => [s, scheduleJitterMs(s)]))).toEqual(jitters);
    expect(scheduleSpec('0 0 30 2 *')).toEqual({ cronExpressions: ['0 0 30 2 *'] });
  });

  it('starts syncPipeline as `tributary run` does: same args, task queue, workflow id and search attributes', () => {
    const d = byId(desiredSchedules(base()), 'tributary/orders/eu');
    const { action } = d.options;
    expect(action.workflowType).toBe('syncPipeline');
    expect(action.workflowId).toBe('tributary/sync/orders/eu');
    expect(action.taskQueue).toBe('tributary-eu');
    expect(action.args).toEqual([{ pipeline: 'orders', region: 'eu' }, { heartbeatTimeoutSeconds: 30 }]);
    expect(Array.isArray(action.typedSearchAttributes) && action.typedSearchAttributes.map((p) => [p.key.name, p.value])).toEqual([
      ['Pipeline', 'orders'],
      ['Region', 'eu'],
    ]);
  });

  it('skips overlapping fires, bounds the catch-up window and marks the schedule as ours with its hash', () => {
    const d = byId(desiredSchedules(config([fact('orders')], { taskQueuePrefix: 'prod' })), 'prod/orders/us');
    expect(d.options.policies).toEqual({ overlap: 'SKIP', catchupWindow: '10m' });
    expect(d.options.action.taskQueue).toBe('prod-us');
    expect(d.options.memo).toEqual({ managedBy: 'tributary', taskQueuePrefix: 'prod' });
    expect(d.options.action.memo).toEqual({ tributaryHash: d.hash, tributaryPaused: false });
    expect(d.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('creates a paused schedule for a paused pipeline, with a note saying why', () => {
    const d = byId(desiredSchedules(base()), 'tributary/refunds/us');
    expect(d.paused).toBe(true);
    expect(d.options.state?.paused).toBe(true);
    expect(d.options.state?.note).toContain('paused in the config');
    expect(byId(desiredSchedules(base()), 'tributary/orders/us').options.state?.paused).toBe(false);
  });
});

describe('the schedule hash', () => {
  it('is the same for the same config, and independent of key order', () => {
    expect(desiredSchedules(base()).map((d) => d.hash)).toEqual(desiredSchedules(base()).map((d) => d.hash));
    expect(contentHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(contentHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
  });

  it('changes with the cron, the paused flag, the task queue prefix and the heartbeat timeout, and only for that schedule', () => {
    const hashOf = (cfg: TributaryConfig, id = 'tributary/orders/us') => byId(desiredSchedules(cfg), id).hash;
    const before = hashOf(base());
    expect(hashOf(config([fact('orders', { schedule: '*/5 * * * *' })]))).not.toBe(before);
    expect(hashOf(config([fact('orders', { schedule: '*/15 * * * *', paused: true })]))).not.toBe(before);
    expect(hashOf(config([fact('orders', { schedule: '*/15 * * * *' })], { taskQueuePrefix: 'other' }), 'other/orders/us')).not.toBe(before);
    expect(hashOf(config([fact('orders', { schedule: '*/15 * * * *' })], { heartbeatTimeoutSeconds: 60 }))).not.toBe(before);
    // Another pipeline's change, or options the schedule does not carry, leave it alone.
    expect(hashOf(config([fact('orders', { schedule: '*/15 * * * *' }), fact('payments', { schedule: '@every 5m' })]))).toBe(before);
    expect(hashOf(config([fact('orders', { schedule: '*/15 * * * *', options: { lagSeconds: 99 } })]))).toBe(before);
  });
});

describe('planReconcile', () => {
  it('creates every schedule on an empty server', () => {
    const plan = planReconcile(desiredSchedules(base()), [], PREFIX);
    expect(plan.create.map((d) => d.id)).toEqual(['tributary/orders/eu', 'tributary/orders/us', 'tributary/payments/eu', 'tributary/refunds/us']);
    expect([plan.update, plan.delete, plan.unchanged, plan.conflict]).toEqual([[], [], [], []]);
  });

  it('changes nothing when the server holds what was applied', () => {
    const desired = desiredSchedules(base());
    const plan = planReconcile(desired, desired.map((d) => applied(d)), PREFIX);
    expect(plan.unchanged).toHaveLength(4);
    expect([plan.create, plan.update, plan.delete, plan.conflict]).toEqual([[], [], [], []]);
  });

  it('updates a schedule whose cron changed, keeping its live paused state', () => {
    const server = desiredSchedules(base()).map((d) => applied(d));
    const edited = config([fact('orders', { schedule: '*/5 * * * *' }), fact('payments', { schedule: '@every 10m', regions: ['eu'] }), fact('refunds', { paused: true, regions: ['us'] })]);
    const plan = planReconcile(desiredSchedules(edited), server, PREFIX);
    expect(plan.update.map((u) => [u.desired.id, u.paused])).toEqual([
      ['tributary/orders/eu', undefined],
      ['tributary/orders/us', undefined],
    ]);
    expect(plan.unchanged.map((m) => m.desired.id)).toEqual(['tributary/payments/eu', 'tributary/refunds/us']);
  });

  it('pauses and resumes when the config\'s paused flag changes', () => {
    const server = desiredSchedules(base()).map((d) => applied(d));
    const edited = config([fact('orders', { schedule: '*/15 * * * *', paused: true }), fact('payments', { schedule: '@every 10m', regions: ['eu'] }), fact('refunds', { regions: ['us'] })]);
    const plan = planReconcile(desiredSchedules(edited), server, PREFIX);
    expect(plan.update.map((u) => [u.desired.id, u.paused])).toEqual([
      ['tributary/orders/eu', true],
      ['tributary/orders/us', true],
      ['tributary/refunds/us', false],
    ]);
  });

  it('keeps a pause made by hand through an unchanged apply and through a cron change', () => {
    const desired = desiredSchedules(base());
    const server = desired.map((d) => (d.id === 'tributary/orders/us' ? applied(d, { paused: true, note: 'incident 42' }) : applied(d)));
    const same = planReconcile(desired, server, PREFIX);
    expect(same.unchanged.map((m) => m.desired.id)).toContain('tributary/orders/us');
    expect(planRows(same).find((r) => r.id === 'tributary/orders/us')).toMatchObject({ action: 'unchanged', paused: true, detail: 'paused by hand: incident 42' });

    const edited = config([fact('orders', { schedule: '*/5 * * * *' }), fact('payments', { schedule: '@every 10m', regions: ['eu'] }), fact('refunds', { paused: true, regions: ['us'] })]);
    const changed = planReconcile(desiredSchedules(edited), server, PREFIX);
    const u = changed.update.find((x) => x.desired.id === 'tributary/orders/us')!;
    expect(u.paused).toBeUndefined();
    expect(planRows(changed).find((r) => r.id === 'tributary/orders/us')).toMatchObject({ action: 'update', paused: true });
  });

  it('deletes the schedules of a removed pipeline or region', () => {
    const server = desiredSchedules(base()).map((d) => applied(d));
    const edited = config([fact('orders', { schedule: '*/15 * * * *', regions: ['us'] }), fact('payments', { schedule: '@every 10m', regions: ['eu'] })]);
    const plan = planReconcile(desiredSchedules(edited), server, PREFIX);
    expect(plan.delete.map((e) => e.id)).toEqual(['tributary/orders/eu', 'tributary/refunds/us']);
    expect(plan.unchanged).toHaveLength(2);
  });

  it('never deletes a schedule tributary did not make, nor one of another deployment', () => {
    const foreign: ExistingSchedule[] = [
      { id: 'nightly-report', paused: false },
      { id: 'tributary/handmade/us', paused: false },
      { id: 'tributary/handmade/eu', managedBy: 'someone-else', taskQueuePrefix: PREFIX, paused: false },
      { id: 'tributary/staging/us', managedBy: 'tributary', taskQueuePrefix: 'staging', hash: 'x', paused: false },
      { id: 'other/orders/us', managedBy: 'tributary', taskQueuePrefix: PREFIX, hash: 'x', paused: false },
    ];
    const plan = planReconcile([], foreign, PREFIX);
    expect(plan).toEqual({ create: [], update: [], migrate: [], delete: [], unchanged: [], conflict: [] });
  });

  it('reports a desired id held by someone else\'s schedule as a conflict and does not touch it', () => {
    const desired = desiredSchedules(base());
    const server: ExistingSchedule[] = [
      { id: 'tributary/orders/us', paused: false },
      { id: 'tributary/orders/eu', managedBy: 'tributary', taskQueuePrefix: 'staging', hash: 'x', paused: false },
    ];
    const plan = planReconcile(desired, server, PREFIX);
    expect(plan.conflict.map((c) => [c.desired.id, c.reason])).toEqual([
      ['tributary/orders/eu', expect.stringContaining('"staging"')],
      ['tributary/orders/us', expect.stringContaining('did not create')],
    ]);
    expect(plan.create.map((d) => d.id)).toEqual(['tributary/payments/eu', 'tributary/refunds/us']);
    expect([plan.update, plan.delete]).toEqual([[], []]);
  });
});

describe('planReconcile with old schedule ids', () => {
  // Earlier versions named every deployment's schedules "tributary/<pipeline>/<region>" (the memo said whose).
  const qa = () => config([fact('orders', { schedule: '*/15 * * * *' }), fact('refunds', { paused: true, regions: ['us'] })], { taskQueuePrefix: 'qa' });
  const old = (id: string) => id.replace(/^qa\//, 'tributary/');
  /** What the old code left on the server for `d`: the same schedule under the old id. */
  const legacy = (d: DesiredSchedule, live: { paused?: boolean; note?: string } = {}): ExistingSchedule => ({ ...applied(d, live), id: old(d.id) });

  it('renames each to the new id: created there, then the old one deleted, nothing left twice', () => {
    const desired = desiredSchedules(qa());
    const plan = planReconcile(desired, desired.map((d) => legacy(d)), 'qa');
    expect(plan.migrate.map((m) => [m.legacy.id, m.desired.id, m.paused])).toEqual([
      ['tributary/orders/eu', 'qa/orders/eu', false],
      ['tributary/orders/us', 'qa/orders/us', false],
      ['tributary/refunds/us', 'qa/refunds/us', true],
    ]);
    expect([plan.create, plan.update, plan.delete, plan.unchanged, plan.conflict]).toEqual([[], [], [], [], []]);
    expect(planRows(plan).map((r) => [r.id, r.action, r.detail])).toEqual([
      ['qa/orders/eu', 'migrate', 'from old id tributary/orders/eu'],
      ['qa/orders/us', 'migrate', 'from old id tributary/orders/us'],
      ['qa/refunds/us', 'migrate', 'from old id tributary/refunds/us'],
      ['tributary/orders/eu', 'delete', 'old id, replaced by qa/orders/eu'],
      ['tributary/orders/us', 'delete', 'old id, replaced by qa/orders/us'],
      ['tributary/refunds/us', 'delete', 'old id, replaced by qa/refunds/us'],
    ]);
  });

  it('keeps a pause made by hand, and applies the config\'s paused flag when it changed since', () => {
    const desired = desiredSchedules(qa());
    const server = [legacy(byId(desired, 'qa/orders/us'), { paused: true, note: 'incident 42' }), legacy(byId(desired, 'qa/orders/eu'))];
    // refunds was not paused when last applied; the config pauses it now.
    const refunds = byId(desiredSchedules(config([fact('refunds', { regions: ['us'] })], { taskQueuePrefix: 'qa' })), 'qa/refunds/us');
    const plan = planReconcile(desired, [...server, legacy(refunds)], 'qa');
    expect(plan.migrate.map((m) => [m.desired.id, m.paused, m.note])).toEqual([
      ['qa/orders/eu', false, undefined],
      ['qa/orders/us', true, 'incident 42'],
      ['qa/refunds/us', true, PAUSED_IN_CONFIG],
    ]);
    expect(planRows(plan).find((r) => r.id === 'qa/orders/us')).toMatchObject({ action: 'migrate', paused: true, detail: 'from old id tributary/orders/us, paused by hand: incident 42' });
  });

  it('deletes an old id whose new one exists already, and the old id of a removed pipeline', () => {
    const desired = desiredSchedules(qa());
    const gone = byId(desiredSchedules(config([fact('gone')], { taskQueuePrefix: 'qa' })), 'qa/gone/us');
    const server = [...desired.map((d) => applied(d)), legacy(byId(desired, 'qa/orders/us')), legacy(gone)];
    const plan = planReconcile(desired, server, 'qa');
    expect(plan.unchanged).toHaveLength(3);
    expect(plan.migrate).toEqual([]);
    expect(planRows(plan).filter((r) => r.action === 'delete').map((r) => [r.id, r.detail])).toEqual([
      ['tributary/gone/us', 'no longer in the config'],
      ['tributary/orders/us', 'old id, replaced by qa/orders/us'],
    ]);
  });

  it('never touches another deployment\'s old ids, and keeps its own while the new id is someone else\'s', () => {
    const desired = desiredSchedules(qa());
    const staging = desiredSchedules(config([fact('orders', { schedule: '*/15 * * * *' }), fact('payments')], { taskQueuePrefix: 'staging' }));
    const theirs = staging.map((d) => ({ ...applied(d), id: d.id.replace(/^staging\//, 'tributary/') }));
    const handmade: ExistingSchedule = { id: 'qa/refunds/us', paused: false };
    const plan = planReconcile(desired, [...theirs, handmade, legacy(byId(desired, 'qa/refunds/us'))], 'qa');
    expect(plan.create.map((d) => d.id)).toEqual(['qa/orders/eu', 'qa/orders/us']);
    expect(plan.conflict.map((c) => c.desired.id)).toEqual(['qa/refunds/us']);
    expect([plan.migrate, plan.delete, plan.update]).toEqual([[], [], []]);
  });

  it('for the default prefix, the old ids are the new ones: nothing to rename', () => {
    const desired = desiredSchedules(base());
    const plan = planReconcile(desired, desired.map((d) => applied(d)), PREFIX);
    expect(plan.unchanged).toHaveLength(4);
    expect([plan.migrate, plan.delete]).toEqual([[], []]);
  });

  it('owns schedules by memo and id together', () => {
    const d = byId(desiredSchedules(qa()), 'qa/orders/us');
    expect(isOwnSchedule(applied(d), 'qa')).toBe(true);
    expect(isOwnSchedule(legacy(d), 'qa')).toBe(true);
    expect(isOwnSchedule(applied(d), 'staging')).toBe(false);
    expect(isOwnSchedule({ ...applied(d), id: 'staging/orders/us' }, 'qa')).toBe(false);
    expect(isOwnSchedule({ ...applied(d), id: 'nightly-report' }, 'qa')).toBe(false);
  });
});

describe('readExisting', () => {
  it('reads the marks from the memos and tolerates a schedule without any', () => {
    expect(readExisting({ scheduleId: 'x', memo: undefined, action: { memo: undefined }, state: { paused: true, note: '' } })).toEqual({
      id: 'x',
      managedBy: undefined,
      taskQueuePrefix: undefined,
      hash: undefined,
      configPaused: undefined,
      paused: true,
      note: undefined,
    });
    const d = desiredSchedules(base())[0]!;
    expect(applied(d)).toMatchObject({ id: d.id, managedBy: 'tributary', taskQueuePrefix: PREFIX, hash: d.hash, configPaused: false, paused: false });
  });
});

describe('scheduleIdsFor', () => {
  it('names every region of a pipeline, or the one asked for, and rejects unknown ones', () => {
    const cfg = base();
    expect(scheduleIdsFor(cfg, 'orders')).toEqual(['tributary/orders/us', 'tributary/orders/eu']);
    expect(scheduleIdsFor(cfg, 'orders', 'eu')).toEqual(['tributary/orders/eu']);
    expect(() => scheduleIdsFor(cfg, 'payments', 'us')).toThrow(/does not run in region "us"/);
    expect(() => scheduleIdsFor(cfg, 'nope')).toThrow(/not in the config/);
  });
});

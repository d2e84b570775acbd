// names/: every name Tributary gives, built and parsed back in one place; each carries the
// deployment's prefix. And the layer stays a layer: names/ imports no other project folder, and
// client/ and schedules/ do not import each other.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import { consumerGroupId } from '../../names/kafka-groups.js';
import { ACTION_MEMO, continuousPauseNote, isContinuousPauseNote, MANAGED_BY, SCHEDULE_MEMO } from '../../names/schedule-marks.js';
import { CHUNKS_DONE_KEY, PIPELINE_KEY, pipelineAttributes, REGION_KEY, TRIBUTARY_SEARCH_ATTRIBUTES } from '../../names/search-attributes.js';
import * as keys from '../../names/stage-keys.js';
import {
  backfillWorkflowId,
  cdcWorkflowId,
  isSyncRunOf,
  legacyScheduleId,
  parseScheduleId,
  parseWorkflowId,
  renamedScheduleId,
  scheduleId,
  scheduleIdPrefixes,
  syncWorkflowId,
  taskQueue,
  taskQueueRegion,
  verifyScheduleId,
  verifyWorkflowId,
} from '../../names/temporal-ids.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const config = (taskQueuePrefix: string) =>
  validateConfig('test', {
    sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }] } },
    warehouse: { type: 'postgres', secret: 'warehouse' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    temporal: { taskQueuePrefix },
    pipelines: [{ name: 'orders', kind: 'fact', source: 'app', table: 'orders', key: ['id'], watermark: 'updated_at' }],
  });

const FROM = '2025-06-01T00:00:00.000000Z';
const TO = '2025-06-02T00:00:00.000000Z';

describe('temporal ids', () => {
  it('start with the deployment\'s prefix, taken from a config or given bare', () => {
    for (const d of [config('qa'), 'qa']) {
      expect(taskQueue(d, 'eu-west-1')).toBe('qa-eu-west-1');
      expect(syncWorkflowId(d, 'orders', 'eu')).toBe('qa/sync/orders/eu');
      expect(verifyWorkflowId(d, 'orders', 'eu')).toBe('qa/verify/orders/eu');
      expect(cdcWorkflowId(d, 'orders', 'eu')).toBe('qa/cdc/orders/eu');
      expect(backfillWorkflowId(d, { pipeline: 'orders', region: 'eu', from: FROM, to: TO })).toBe(`qa/backfill/orders/eu/${FROM}-${TO}`);
      expect(scheduleId(d, 'orders', 'eu')).toBe('qa/orders/eu');
      expect(verifyScheduleId(d, 'orders', 'eu')).toBe('qa/orders/eu/verify');
      expect(consumerGroupId(d, 'orders')).toBe('qa-orders');
    }
    // The default prefix keeps the ids every deployment had.
    expect(scheduleId(config('tributary'), 'orders', 'eu')).toBe('tributary/orders/eu');
    expect(taskQueue(config('tributary'), 'eu')).toBe('tributary-eu');
  });

  it('parse back to what they were made of', () => {
    expect(parseWorkflowId(syncWorkflowId('qa', 'orders', 'eu-west-1'))).toEqual({ prefix: 'qa', kind: 'sync', pipeline: 'orders', region: 'eu-west-1' });
    expect(parseWorkflowId(verifyWorkflowId('qa', 'orders', 'eu'))).toEqual({ prefix: 'qa', kind: 'verify', pipeline: 'orders', region: 'eu' });
    expect(parseWorkflowId(cdcWorkflowId('qa', 'orders-cdc', 'eu'))).toEqual({ prefix: 'qa', kind: 'cdc', pipeline: 'orders-cdc', region: 'eu' });
    const backfills = [
      { pipeline: 'orders', region: 'us', from: FROM, to: TO },
      { pipeline: 'dim', region: 'eu', source: 'app/eu/cell-1', from: null, to: null },
      { pipeline: 'orders', region: 'us', source: 'app/us', from: FROM, to: TO, adoptZone: true },
    ];
    for (const b of backfills) expect(parseWorkflowId(backfillWorkflowId('qa', b))).toEqual({ prefix: 'qa', kind: 'backfill', ...b });
    for (const [pipeline, region] of [['orders', 'eu'], ['a_b-c', 'eu-west-1']] as const) {
      expect(parseScheduleId(scheduleId('qa', pipeline, region))).toEqual({ prefix: 'qa', pipeline, region, kind: 'sync' });
      expect(parseScheduleId(verifyScheduleId('qa', pipeline, region))).toEqual({ prefix: 'qa', pipeline, region, kind: 'verify' });
    }
    expect(taskQueueRegion('qa', taskQueue('qa', 'eu-west-1'))).toBe('eu-west-1');
    expect(taskQueueRegion('qa', 'staging-eu')).toBeNull();
  });

  it('read the nominal time a schedule appends to a run\'s id, and tell a pair\'s runs from others', () => {
    const scheduled = `${syncWorkflowId('qa', 'orders', 'eu-west-1')}-2026-01-01T03:00:00Z`;
    expect(parseWorkflowId(scheduled)).toEqual({ prefix: 'qa', kind: 'sync', pipeline: 'orders', region: 'eu-west-1', scheduledAt: '2026-01-01T03:00:00Z' });
    expect(isSyncRunOf('qa', 'orders', 'eu-west-1', scheduled)).toBe(true);
    expect(isSyncRunOf('qa', 'orders', 'eu-west-1', syncWorkflowId('qa', 'orders', 'eu-west-1'))).toBe(true);
    // A prefix of the id is not the pair: another region, another deployment, another pipeline.
    expect(isSyncRunOf('qa', 'orders', 'eu', syncWorkflowId('qa', 'orders', 'eu-west-1'))).toBe(false);
    expect(isSyncRunOf('qa', 'orders', 'eu', syncWorkflowId('staging', 'orders', 'eu'))).toBe(false);
    expect(isSyncRunOf('qa', 'orders', 'eu', syncWorkflowId('qa', 'orders2', 'eu'))).toBe(false);
  });

  it('are not mistaken for ids Tributary did not make', () => {
    for (const id of ['nightly-report', 'qa/other/orders/eu', 'qa//eu', 'qa/orders/eu/verify/x', 'qa/orders/eu/repair']) expect(parseScheduleId(id)).toBeNull();
    for (const id of ['qa/sync/orders', 'qa/run/orders/eu', 'qa/backfill/orders/eu/yesterday', 'qa/sync/orders/eu/x', '']) expect(parseWorkflowId(id)).toBeNull();
  });
});

describe('old schedule ids', () => {
  it('are "tributary/..." for every deployment, and become the deployment\'s ids', () => {
    expect(scheduleIdPrefixes('qa')).toEqual(['qa/', 'tributary/']);
    expect(scheduleIdPrefixes('tributary')).toEqual(['tributary/']);
    expect(legacyScheduleId('qa', 'qa/orders/eu')).toBe('tributary/orders/eu');
    expect(legacyScheduleId('qa', 'qa/orders/eu/verify')).toBe('tributary/orders/eu/verify');
    expect(renamedScheduleId('qa', 'tributary/orders/eu')).toBe('qa/orders/eu');
    expect(renamedScheduleId('qa', 'tributary/orders/eu/verify')).toBe('qa/orders/eu/verify');
    // Round trip: new id -> its old id -> the new id again.
    for (const id of [scheduleId('qa', 'orders', 'eu'), verifyScheduleId('qa', 'orders', 'eu')]) expect(renamedScheduleId('qa', legacyScheduleId('qa', id)!)).toBe(id);
  });

  it('are left as they are for the default prefix, whose old ids are its ids', () => {
    expect(legacyScheduleId('tributary', 'tributary/orders/eu')).toBeNull();
    expect(renamedScheduleId('tributary', 'tributary/orders/eu')).toBeNull();
    // Not an old id: another deployment's new id, or none of ours.
    expect(renamedScheduleId('qa', 'staging/orders/eu')).toBeNull();
    expect(renamedScheduleId('qa', 'nightly-report')).toBeNull();
  });
});

describe('search attributes', () => {
  it('name the attributes workflows carry, with the types the namespace registers', () => {
    expect(TRIBUTARY_SEARCH_ATTRIBUTES).toEqual({ Pipeline: 2, Region: 2, Source: 2, ChunksDone: 3, ChunksTotal: 3 });
    expect(pipelineAttributes('orders', 'eu')).toEqual([
      { key: PIPELINE_KEY, value: 'orders' },
      { key: REGION_KEY, value: 'eu' },
    ]);
    expect([PIPELINE_KEY.type, CHUNKS_DONE_KEY.type]).toEqual(['KEYWORD', 'INT']);
  });
});

describe('schedule marks', () => {
  it('keep the memo keys schedules already carry, and read back the cdc start note', () => {
    expect([SCHEDULE_MEMO, ACTION_MEMO, MANAGED_BY]).toEqual([{ managedBy: 'managedBy', taskQueuePrefix: 'taskQueuePrefix' }, { hash: 'tributaryHash', configPaused: 'tributaryPaused' }, 'tributary']);
    const note = continuousPauseNote(cdcWorkflowId('qa', 'orders', 'us'));
    expect(note).toBe('paused by tributary cdc start: applied continuously by qa/cdc/orders/us');
    expect(isContinuousPauseNote(note)).toBe(true);
    expect([isContinuousPauseNote('incident 42'), isContinuousPauseNote(undefined)]).toEqual([false, false]);
  });
});

describe('stage keys', () => {
  it('give each unit its batch id and stage prefix, under <pipeline>/<region>/<run>', () => {
    expect(keys.dimensionKeys('dim', 'eu', 'r1', 0)).toEqual({ batchId: 'r1:0', stagePrefix: 'dim/eu/r1/0' });
    expect(keys.factChunkKeys('orders', 'us', 'r1', 1, 2)).toEqual({ batchId: 'r1:1:2', stagePrefix: 'orders/us/r1/1-2' });
    expect(keys.topicKeys('clicks', 'us', 'r1', 'cell-1', 3, 4)).toEqual({ batchId: 'r1:cell-1:3:4', stagePrefix: 'clicks/us/r1/cell-1-3-4' });
    expect(keys.cdcKeys('cdc', 'us', 'r1', 'cell-1', 0)).toEqual({ batchId: 'r1:cell-1', stagePrefix: 'cdc/us/r1/cell-1' });
    expect(keys.cdcKeys('cdc', 'us', 'r1', 'cell-1', 2)).toEqual({ batchId: 'r1:cell-1:2', stagePrefix: 'cdc/us/r1/cell-1/2' });
    expect(keys.cdcPollRunId('r1', 7)).toBe('r1.7');
    expect(keys.backfillRunId('f1')).toBe('backfill-f1');
    expect(keys.backfillChunkKeys('orders', 'us', 'backfill-f1', 0, 5)).toEqual({ batchId: 'backfill-f1:0:5', stagePrefix: 'orders/us/backfill-f1/0-5' });
    expect(keys.repairKeys('orders', 'us', 'r1', 1)).toEqual({ batchId: 'repair-r1:1', stagePrefix: 'orders/us/repair-r1/1' });
    expect(keys.replayBatchId('2026-01-01T00:00:00.000Z', 'r1:0:1')).toBe('replay:2026-01-01T00:00:00.000Z:r1:0:1');
  });

  it('read back the chunk a batch id ends with, and what the chunks of one fact pull share', () => {
    const { batchId } = keys.factChunkKeys('orders', 'us', 'r1', 1, 12);
    expect(keys.batchChunk(batchId)).toBe(12);
    expect(keys.chunkPrefix(batchId)).toBe('r1:1:');
    expect(keys.batchChunk(keys.topicKeys('clicks', 'us', 'r1', 'cell-1', 3, 4).batchId)).toBe(4);
    expect(keys.batchChunk(keys.cdcKeys('cdc', 'us', 'r1', 'cell-1', 0).batchId)).toBeNull();
    expect(keys.chunkPrefix('r1')).toBeNull();
  });

  it('name a fact range merged by its plan so that no chunk of a retried plan is taken for it', () => {
    const whole = keys.factWholeRangeKeys('orders', 'us', 'r1', 1);
    expect(whole).toEqual({ batchId: 'r1:1:whole', stagePrefix: 'orders/us/r1/1-whole' });
    expect(keys.batchChunk(whole.batchId)).toBeNull();
    expect(keys.chunkPrefix(whole.batchId)).toBeNull();
    expect(whole.batchId).not.toBe(keys.factChunkKeys('orders', 'us', 'r1', 1, 0).batchId);
  });
});

/** The project files a file imports: [specifier, type-only]. */
function imports(file: string): { from: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(import|export)(\s+type)?\b[^'"]*?from\s+'([^']+)'/g)].map((m) => ({ from: m[3]!, typeOnly: m[2] !== undefined }));
}

const tsFiles = (dir: string) => readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, dir, f));

describe('the names layer', () => {
  it('imports nothing of the project but itself (and config types), and no Node API', () => {
    for (const file of tsFiles('names')) {
      for (const { from, typeOnly } of imports(file)) {
        const ok = from.startsWith('./') || from === '@temporalio/common' || (typeOnly && from.startsWith('../config/'));
        expect(ok, `${file} imports ${from}`).toBe(true);
      }
    }
  });

  it('is where client/ and schedules/ meet: neither imports the other', () => {
    for (const [dir, other] of [['client', 'schedules'], ['schedules', 'client']] as const) {
      for (const file of tsFiles(dir)) for (const { from } of imports(file)) expect(from.startsWith(`../${other}/`), `${file} imports ${from}`).toBe(false);
    }
  });
});

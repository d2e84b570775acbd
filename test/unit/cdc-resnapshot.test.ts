// The pure parts of CDC resnapshots and topic verify: the signal and its key filter, Debezium's
// notifications folded into a scan, and a partition's offsets compared with the warehouse's.
import { describe, expect, it } from 'vitest';
import { chunkKeyBound, rangeSoundKey, resnapshotFilter, signalIdOf, snapshotSignalData, topicPrefix, fitsSignal } from '../../activities/kinds/cdc/resnapshot-signal.js';
import { bucketExpr, keyNaming } from '../../activities/reconcile/bucket-sql.js';
import { sourceRowForm } from '../../activities/warehouse/redshift/bucket-sql.js';
import { foldNotifications, notificationKeyId, offsetsBehind, parseNotification } from '../../activities/kinds/cdc/resnapshot-notifications.js';
import { comparePartition } from '../../activities/kinds/topic/offset-compare.js';

const base = { pipeline: 'p', region: 'us' };

describe('the resnapshot signal', () => {
  it('filters by key values, key text forms or buckets, with quoted identifiers and literals', () => {
    expect(resnapshotFilter(['id'], { ...base, keys: [['1'], ["o'k"]] }, 'p')).toBe(`"id" IN ('1', 'o''k')`);
    expect(resnapshotFilter(['a', 'b'], { ...base, keys: [['1', 'x']] }, 'p')).toBe(`("a", "b") IN (('1', 'x'))`);
    const read = { schema: 'public', table: 't', key: ['id'], columns: [{ name: 'id', type: 'bigint' }] };
    // Key texts and buckets as the warehouse's verify names them: the record form, or the Redshift side's canonical key text.
    expect(resnapshotFilter(['id'], { ...base, keyTexts: ['(5)'] }, 'p', keyNaming(read))).toBe(`ROW("id")::text IN ('(5)')`);
    expect(resnapshotFilter(['id'], { ...base, keyTexts: ['5', "o'k"] }, 'p', keyNaming({ ...read, form: sourceRowForm }))).toBe(`COALESCE(("id")::text, '~-') IN ('5', 'o''k')`);
    expect(resnapshotFilter(['id'], { ...base, buckets: { count: 8, only: [1, 3] } }, 'p', keyNaming(read))).toBe(`${bucketExpr(['id'], 8)} IN (1, 3)`);
    expect(resnapshotFilter(['id'], { ...base, buckets: { count: 8, only: [1, 3] } }, 'p', keyNaming({ ...read, form: sourceRowForm }))).toMatch(/md5\(COALESCE\(\("id"\)::text, '~-'\)\).*% 8\) IN \(1, 3\)$/);
    expect(() => resnapshotFilter(['id'], { ...base, keyTexts: ['5'] }, 'p')).toThrow(/naming of keys/);
    expect(resnapshotFilter(['id'], base, 'p')).toBeNull();
    expect(() => resnapshotFilter(['a', 'b'], { ...base, keys: [['1']] }, 'pipeline p')).toThrow(/key "1" has 1 values; the key is a, b/);
    expect(() => resnapshotFilter(['id'], { ...base, buckets: { count: 8, only: [8] } }, 'p', keyNaming(read))).toThrow(/0\.\.7/);
  });

  it('is an incremental execute-snapshot of one collection that fits the signal table', () => {
    expect(JSON.parse(snapshotSignalData('public.t', `"id" IN ('1')`))).toEqual({
      'data-collections': ['public.t'],
      type: 'incremental',
      'additional-conditions': [{ 'data-collection': 'public.t', filter: `"id" IN ('1')` }],
    });
    expect(fitsSignal(snapshotSignalData('public.t', 'x'.repeat(3000)))).toBe(false);
    expect(signalIdOf('0f8e2c4a-1b2c-4d5e-8f90-a1b2c3d4e5f6')).toHaveLength(42);
    expect(topicPrefix('app_us.public.orders', 'public', 'orders')).toBe('app_us');
    expect(topicPrefix('other.topic', 'public', 'orders')).toBeNull();
  });
});

describe('chunk windows as key ranges', () => {
  it('only integer keys bound deletes by range; a chunk key is read back as the key\'s values', () => {
    expect(rangeSoundKey(['bigint'])).toBe(true);
    expect(rangeSoundKey(['integer', 'smallint'])).toBe(true);
    // Text orders by collation, numeric's printed form need not be the stored one: not ranges.
    expect(rangeSoundKey(['text'])).toBe(false);
    expect(rangeSoundKey(['bigint', 'numeric(10,2)'])).toBe(false);
    expect(rangeSoundKey([undefined])).toBe(false);
    expect(rangeSoundKey([])).toBe(false);
    expect(chunkKeyBound('600', 1)).toEqual(['600']);
    expect(chunkKeyBound('-3,17', 2)).toEqual(['-3', '17']);
    expect(chunkKeyBound('600', 2)).toBeNull();
    expect(chunkKeyBound('a,b', 2)).toBeNull();
    expect(chunkKeyBound('<null>', 1)).toBeNull();
  });
});

describe("Debezium's notifications", () => {
  const n = (type: string, data: Record<string, string> = {}, id = 's1') => ({ id, aggregateType: 'Incremental Snapshot', type, data });

  it('fold into the scan: chunks, keys, rows, the end', () => {
    expect(foldNotifications('s1', [])).toMatchObject({ state: 'signalled', chunks: 0 });
    const scanning = foldNotifications('s1', [n('STARTED'), n('IN_PROGRESS', { last_processed_key: '50', maximum_key: '300' }), n('IN_PROGRESS', { last_processed_key: '100', maximum_key: '300' })]);
    // The chunk before the one being read is emitted: its last key is covered.
    expect(scanning).toMatchObject({ state: 'scanning', chunks: 2, lastKey: '100', maximumKey: '300', coveredKey: '50' });
    expect(foldNotifications('s1', [n('IN_PROGRESS', { last_processed_key: '50' })]).coveredKey).toBeNull();
    const done = foldNotifications('s1', [n('STARTED'), n('TABLE_SCAN_COMPLETED', { total_rows_scanned: '3', status: 'SUCCEEDED' }), n('COMPLETED'), n('IN_PROGRESS', {}, 'other')]);
    expect(done).toMatchObject({ state: 'scanned', rowsScanned: 3 });
    expect(done.note).toBeUndefined();
    expect(foldNotifications('s1', [n('STARTED'), n('ABORTED')]).state).toBe('aborted');
    expect(foldNotifications('s1', [n('IN_PROGRESS', {}, 's2')]).state).toBe('signalled');
    expect(foldNotifications('s1', [n('TABLE_SCAN_COMPLETED', { status: 'SQL_EXCEPTION' }), n('COMPLETED')]).note).toMatch(/SQL_EXCEPTION/);
  });

  it('are read with or without the JSON converter schema envelope', () => {
    const plain = '{"id":"s1","type":"COMPLETED","aggregate_type":"Incremental Snapshot","additional_data":{"connector_name":"c"},"timestamp":1}';
    expect(parseNotification(plain)).toEqual({ id: 's1', aggregateType: 'Incremental Snapshot', type: 'COMPLETED', data: { connector_name: 'c' } });
    expect(parseNotification(JSON.stringify({ schema: {}, payload: JSON.parse(plain) as unknown }))?.type).toBe('COMPLETED');
    expect(parseNotification('not json')).toBeNull();
    expect(notificationKeyId('{"id":"s1"}')).toBe('s1');
    expect(notificationKeyId('{"schema":{},"payload":{"id":"s1"}}')).toBe('s1');
  });

  it('count what the ledger has not applied of the scan', () => {
    const target = [{ cell: 'c1', partition: 0, offset: 10 }, { cell: 'c1', partition: 1, offset: 5 }];
    expect(offsetsBehind(target, (_c, p) => (p === 0 ? 7 : 5))).toBe(3);
    expect(offsetsBehind(target, () => undefined)).toBe(15);
  });
});

describe('topic verify of one partition', () => {
  it('finds missing and extra offsets; a keyed row keeps its newest message', () => {
    const topic = [0, 1, 2, 3].map((offset) => ({ offset, key: null }));
    expect(comparePartition(0, 0, 4, topic, [0, 1, 3], [2])).toMatchObject({ missing: [], extra: [], expected: 4, warehouseRows: 3, deadLetters: 1 });
    const gone = comparePartition(0, 0, 4, topic, [0, 3, 9], [2]);
    expect(gone).toMatchObject({ missing: [1], extra: [9] });
    expect(gone.topicChecksum).not.toBe(gone.warehouseChecksum);
    const keyed = [{ offset: 0, key: 'a' }, { offset: 1, key: 'b' }, { offset: 2, key: 'a' }, { offset: 3, key: null }];
    const ok = comparePartition(1, 0, 4, keyed, [1, 2], [3]);
    expect(ok).toMatchObject({ missing: [], extra: [], expected: 3 });
    expect(ok.topicChecksum).toBe(ok.warehouseChecksum);
    expect(comparePartition(1, 0, 4, keyed, [0, 1], [3])).toMatchObject({ missing: [2], extra: [0] });
  });
});

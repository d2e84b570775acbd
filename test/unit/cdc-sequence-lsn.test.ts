// An incremental snapshot read carries source.lsn null and source.sequence ["lastCommitLsn","lsn"]
// (as the connector writes it, see test/integration/cdc-incremental-snapshot.test.ts): its LSN is
// the sequence's, whether the payload is scanned or parsed whole.
import { expect, it } from 'vitest';
import { sequenceCommitLsn, sequenceLsn } from '../../activities/sources/debezium/sequence-lsn.js';
import { changeReader } from '../../activities/sources/debezium/decode.js';

it('reads the lsn of a sequence, else its lastCommitLsn, else nothing', () => {
  expect(sequenceLsn('["720425896","720425976"]')).toBe(720425976n);
  expect(sequenceLsn('["720425896",null]')).toBe(720425896n);
  expect(sequenceLsn('[null,"18446744073709551615"]')).toBe(18446744073709551615n);
  expect(sequenceLsn('[null,null]')).toBeUndefined();
  expect(sequenceLsn('not json')).toBeUndefined();
  expect(sequenceLsn(undefined)).toBeUndefined();
  expect(sequenceCommitLsn('["720425896","720425976"]')).toBe(720425896n);
  expect(sequenceCommitLsn('[null,"720425976"]')).toBeUndefined();
});

const field = (name: string, type: string, optional = true) => ({ field: name, type, optional });
const row = { type: 'struct', optional: true, fields: [field('id', 'int64', false), field('name', 'string')] };
const schema = {
  type: 'struct',
  fields: [
    { ...row, field: 'before' },
    { ...row, field: 'after' },
    { type: 'struct', field: 'source', fields: [field('snapshot', 'string'), field('sequence', 'string'), field('txId', 'int64'), field('lsn', 'int64'), field('schema', 'string'), field('table', 'string')] },
    field('op', 'string', false),
  ],
};
const keySchema = { type: 'struct', fields: [field('id', 'int64', false)] };

it('an incremental snapshot read without source.lsn is versioned by its sequence, scanned or decoded whole', () => {
  const payload = {
    before: null,
    after: { id: 7, name: 'chunk row' },
    source: { snapshot: 'incremental', sequence: '["720425896","720425976"]', txId: null, lsn: null, schema: 'public', table: 't' },
    op: 'r',
  };
  const record = { topic: 't', partition: 2, offset: 3n, key: JSON.stringify({ schema: keySchema, payload: { id: 7 } }), value: JSON.stringify({ schema, payload }) };
  const reader = changeReader();
  const scanned = reader.scan(record);
  expect(scanned).toMatchObject({ kind: 'scanned', op: 'r', lsn: 720425976n, commitLsn: 720425896n, snapshot: true, snapshotMark: null });
  expect(reader.decode(record)).toMatchObject({ kind: 'change', op: 'r', lsn: 720425976n, commitLsn: 720425896n, snapshot: true, after: { id: '7', name: 'chunk row' } });
});

it("a streamed change keeps its source.lsn and carries its sequence's lastCommitLsn, scanned or decoded whole", () => {
  const payload = {
    before: null,
    after: { id: 8, name: 'streamed' },
    source: { snapshot: 'false', sequence: '["900","850"]', txId: 12, lsn: 850, schema: 'public', table: 't' },
    op: 'u',
  };
  const record = { topic: 't', partition: 0, offset: 4n, key: JSON.stringify({ schema: keySchema, payload: { id: 8 } }), value: JSON.stringify({ schema, payload }) };
  const reader = changeReader();
  expect(reader.scan(record)).toMatchObject({ kind: 'scanned', lsn: 850n, commitLsn: 900n, snapshot: false });
  expect(reader.decode(record)).toMatchObject({ kind: 'change', lsn: 850n, commitLsn: 900n, snapshot: false });
});

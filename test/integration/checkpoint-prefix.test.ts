// The checkpoint of a run whose chunks merge side by side: it is the checkpoint of the last chunk
// of the contiguous merged prefix, so a chunk that never merges is never skipped over. Runs the
// ledger SQL on the real warehouse PostgreSQL.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chunkPrefixCheckpointSql, insertBatchSql, setChunkCheckpointSql, stateTablesSql } from '../../activities/warehouse/postgres/merge-sql.js';
import { ledgerRowParams } from '../../activities/warehouse/postgres/ledger-row.js';
import { NO_ROWS } from '../../activities/merge-rules/batch-counts.js';
import { STACK, connect, uniqueName } from './stack.js';

const schema = uniqueName('ckpt');
let w: pg.Client;

async function merged(batchId: string, checkpoint: string | null): Promise<void> {
  await w.query(insertBatchSql(schema), ledgerRowParams({ batchId, pipeline: 'p', region: 'us', source: 's', stream: 'public.t', target: 'x.t', from: null, to: null, checksum: 'sha256:x' }, { ...NO_ROWS, read: 1, staged: 1, inserted: 1 }));
  if (checkpoint !== null) await w.query(setChunkCheckpointSql(schema), [batchId, checkpoint]);
}

async function reached(run: string): Promise<string | null> {
  const res = await w.query<{ position: string }>(chunkPrefixCheckpointSql(schema), [run]);
  return res.rows[0]?.position ?? null;
}

beforeAll(async () => {
  w = await connect(STACK.warehouse);
  for (const stmt of stateTablesSql(schema)) await w.query(stmt);
});

afterAll(async () => {
  await w?.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await w?.end();
});

it('moves to the end of the contiguous merged prefix only', async () => {
  expect(await reached('r1:0:')).toBeNull();
  await merged('r1:0:1', '2026-01-02');
  expect(await reached('r1:0:'), 'chunk 0 not merged yet').toBeNull();
  await merged('r1:0:0', '2026-01-01');
  expect(await reached('r1:0:')).toBe('2026-01-02');
  await merged('r1:0:3', '2026-01-04');
  expect(await reached('r1:0:'), 'chunk 2 is missing').toBe('2026-01-02');
  await merged('r1:0:2', '2026-01-03');
  expect(await reached('r1:0:')).toBe('2026-01-04');
  // Chunk 10 after 0..9 (numbers, not text order), and other runs and sources do not count.
  for (let n = 4; n <= 10; n++) await merged(`r1:0:${n}`, `2026-01-${String(n + 1).padStart(2, '0')}`);
  await merged('r1:1:0', '2027-01-01');
  await merged('r2:0:11', '2027-01-01');
  expect(await reached('r1:0:')).toBe('2026-01-11');
});

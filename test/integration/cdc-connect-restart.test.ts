// The Kafka Connect worker of region us is SIGKILLed while Debezium streams a steady write load
// and the continuous CDC workflow applies it, then started again by infra/local/start.sh (the
// source keeps writing throughout; the slot holds its WAL). The restarted worker resumes the
// connector from its last flushed offset, so events it had already sent may reach Kafka twice;
// the LSN version guard applies each change once. Afterwards the warehouse equals the source
// (count + per-row checksum) with no duplicate key.
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../client/run-pipeline.js';
import { cdcContinuousStatus, startCdcContinuous } from '../../client/cdc-continuous.js';
import { connectRest, readTopic } from '../fixtures/debezium/connect.js';
import { STACK } from './stack.js';
import { endOffsets, startWorkerProcess, workerStarted } from './topic-fixture.js';
import { killService, servicePid, startMissing } from './stack-restart.js';
import { createCdcTable, endContinuousTest, type CdcTable } from './cdc-table.js';

const { escapeIdentifier: ident } = pg;
const CELL = 'us/cell-1';

let t: CdcTable;
let client: Client;
let worker: ChildProcess | undefined;

let seed = 77;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
let nextId = 2001;

/** One transaction of 1 to 3 inserts, updates or deletes. */
async function transaction(): Promise<void> {
  const q = `public.${ident(t.name)}`;
  await t.src.query('BEGIN');
  for (let s = 1 + Math.floor(random() * 3); s > 0; s--) {
    const r = random();
    const existing = 1 + Math.floor(random() * (nextId - 1));
    if (r < 0.4) {
      const n = nextId++;
      await t.src.query(`INSERT INTO ${q} VALUES ($1, $2, $3, now())`, [n, `n${n}`, (random() * 1e5).toFixed(3)]);
    } else if (r < 0.85) await t.src.query(`UPDATE ${q} SET name = name || '+', amount = amount + 1, at = now() WHERE id = $1`, [existing]);
    else await t.src.query(`DELETE FROM ${q} WHERE id = $1`, [existing]);
  }
  await t.src.query('COMMIT');
}

/** Until the connector and its task run again after the worker restart (a FAILED task fails the test). */
async function connectorRunning(timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const st = (await connectRest.get(STACK.connect.us!, `/connectors/${t.name}/status`)) as { connector: { state: string }; tasks: { state: string; trace?: string }[] };
      const failed = st.tasks.find((t) => t.state === 'FAILED');
      if (failed) throw new Error(`connector task failed after the restart: ${(failed.trace ?? '').split('\n')[0]}`);
      if (st.connector.state === 'RUNNING' && st.tasks.length > 0 && st.tasks.every((t) => t.state === 'RUNNING')) return;
      last = JSON.stringify(st);
    } catch (err) {
      if ((err as Error).message.startsWith('connector task failed')) throw err;
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`connector ${t.name} not running ${timeoutMs} ms after the Connect worker restart: ${last}`);
}

beforeAll(async () => {
  t = await createCdcTable('cdcrestart', { seedRows: 2_000, pipeline: { options: { intervalSeconds: 1, maxMessagesPerPartition: 500 } } });
  client = await connectClient(t.config);
  worker = startWorkerProcess(t.configFile, 'us');
  await workerStarted(worker);
}, 180_000);

afterAll(async () => {
  // Leave the stack as found even if the test failed between the kill and the restart.
  if ((await servicePid({ kind: 'connect', region: 'us' })) === undefined) await startMissing();
  await endContinuousTest(client, t, worker);
}, 600_000);

it('loses and duplicates nothing when the Connect worker is killed and restarted mid-stream', async () => {
  await startCdcContinuous(client, t.config, t.name, 'us');
  let writing = true;
  let transactions = 0;
  const writer = (async () => {
    while (writing) {
      await transaction();
      transactions++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  // Streaming and applying: the snapshot and some changes are in the warehouse.
  for (let i = 0; i < 240; i++) {
    const s = await cdcContinuousStatus(client, t.config, t.name, 'us');
    if ((s.freshness?.events ?? 0) > 2_000 && transactions > 200) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const atKill = transactions;
  expect(atKill).toBeGreaterThan(200);
  const killed = await killService({ kind: 'connect', region: 'us' });
  // Writes go on while the worker is down; the replication slot keeps their WAL.
  await new Promise((r) => setTimeout(r, 3_000));
  await startMissing();
  const restarted = await servicePid({ kind: 'connect', region: 'us' });
  expect(restarted).toBeDefined();
  expect(restarted).not.toBe(killed);
  await connectorRunning();
  const afterRestart = transactions;
  expect(afterRestart).toBeGreaterThan(atKill);
  // More changes through the restarted connector, then the writer stops.
  while (transactions < afterRestart + 300) await new Promise((r) => setTimeout(r, 200));
  writing = false;
  await writer;

  let last = await t.checksums();
  for (let i = 0; i < 360 && JSON.stringify(last.warehouse) !== JSON.stringify(last.source); i++) {
    await new Promise((r) => setTimeout(r, 500));
    last = await t.checksums();
  }
  expect(last.warehouse).toEqual(last.source);
  expect(last.warehouse!.distinctKeys).toBe(last.warehouse!.rows);
  const status = await cdcContinuousStatus(client, t.config, t.name, 'us');
  expect(status.state).toBe('running');
  expect(status.freshness?.lastError ?? null).toBeNull();

  // How many events the restarted connector sent again (same LSN and key as one already on the topic).
  const ends = await endOffsets(CELL, t.topic);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const records = await readTopic(STACK.kafka[CELL]!, t.topic, (rs) => rs.length >= total);
  const seen = new Set<string>();
  let replayed = 0;
  for (const r of records) {
    if (r.value === null) continue;
    const v = JSON.parse(r.value) as { payload?: { source?: { lsn?: number }; op?: string } };
    const k = `${r.key}|${v.payload?.source?.lsn}|${v.payload?.op}`;
    if (seen.has(k)) replayed++;
    seen.add(k);
  }
  console.log(`${transactions} transactions (${atKill} before the kill); ${records.length} records on the topic, ${replayed} sent twice after the restart; warehouse rows ${last.warehouse!.rows}`);
}, 900_000);

// `tributary cdc skip` with a real Debezium connector and the continuous CDC workflow: a worker
// process applies a captured table of the us source; a poison message produced straight onto the
// connector's topic halts it (maxDeadLetterRatio 0) while the table keeps changing, and the
// workflow's last error names the command that skips it. That command, run as a user runs the CLI,
// lets the running workflow move on by itself: the poison event is in tributary_dead_letters once
// ("skipped by operator"), and the warehouse ends equal to the source with no key twice.
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../client/run-pipeline.js';
import { cdcContinuousStatus, startCdcContinuous } from '../../client/cdc-continuous.js';
import { runCli } from './cli-process.js';
import { endOffsets, produce, query, startWorkerProcess, workerStarted } from './topic-fixture.js';
import { createCdcTable, endContinuousTest, type CdcTable } from './cdc-table.js';

const { escapeIdentifier: ident } = pg;
const CELL = 'us/cell-1';

let t: CdcTable;
let client: Client;
let worker: ChildProcess | undefined;

const cli = (...args: string[]) => runCli(t.configFile, args);

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached; last ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 500));
    last = await read();
  }
  return last;
}

const equal = (c: Awaited<ReturnType<CdcTable['checksums']>>) => JSON.stringify(c.warehouse) === JSON.stringify(c.source);

beforeAll(async () => {
  t = await createCdcTable('cdcskip', { seedRows: 40, pipeline: { options: { intervalSeconds: 1 } } });
  client = await connectClient(t.config);
  worker = startWorkerProcess(t.configFile, 'us');
  await workerStarted(worker);
}, 180_000);

afterAll(async () => {
  await endContinuousTest(client, t, worker);
}, 300_000);

it('a poison event halts the continuous workflow naming its skip command; running it moves on, nothing else lost or doubled', async () => {
  await startCdcContinuous(client, t.config, t.name, 'us');
  await until('the snapshot applied', () => t.checksums(), equal);

  const [poisonPartition, poisonOffset] = [...(await endOffsets(CELL, t.topic))].find(([p]) => p === 0)!;
  await produce(CELL, t.topic, [{ partition: 0, key: '{"id":1}', value: 'not json {' }]);
  const q = `public.${ident(t.name)}`;
  await t.src.query(`INSERT INTO ${q} SELECT g, 'new' || g, g * 2.5, now() FROM generate_series(41, 60) g`);
  await t.src.query(`UPDATE ${q} SET name = name || '+', amount = amount + 1 WHERE id % 3 = 0`);
  await t.src.query(`DELETE FROM ${q} WHERE id % 7 = 0`);

  const halted = await until(
    'the halt',
    () => cdcContinuousStatus(client, t.config, t.name, 'us'),
    (s) => (s.freshness?.lastError ?? '').includes('tributary cdc skip'),
  );
  const command = /tributary (cdc skip \S+ --region \S+ --cell \S+ --partition \d+ --offset \d+)/.exec(halted.freshness!.lastError!)![1]!;
  expect(command).toBe(`cdc skip ${t.name} --region us --cell cell-1 --partition ${poisonPartition} --offset ${poisonOffset}`);
  const topic = t.topic.replaceAll('.', '\\.');
  expect(halted.freshness!.lastError).toMatch(new RegExp(`: 1 of \\d+ events of topic ${topic} cannot be applied, and options\\.maxDeadLetterRatio is 0\\. The first is at partition ${poisonPartition}, offset ${poisonOffset}:`));
  expect(equal(await t.checksums())).toBe(false);

  const skipped = await cli(...command.split(' '));
  expect(skipped.code, skipped.stderr).toBe(0);
  expect(skipped.stdout).toContain('skip recorded');

  const last = await until('the target equal to the source', () => t.checksums(), equal);
  expect(last.warehouse!.distinctKeys).toBe(last.warehouse!.rows);
  const status = await until('the error cleared', () => cdcContinuousStatus(client, t.config, t.name, 'us'), (s) => (s.freshness?.lastError ?? null) === null);
  expect(status.state).toBe('running');
  const dead = await query<{ kafka_offset: string; reason: string; value: string }>(
    `SELECT kafka_offset::text, reason, convert_from(message_value, 'UTF8') AS value FROM ${ident(t.config.warehouse.schema)}.tributary_dead_letters WHERE pipeline = $1`,
    [t.name],
  );
  expect(dead).toEqual([{ kafka_offset: String(poisonOffset), reason: 'skipped by operator', value: 'not json {' }]);
  // Skipping it again is refused: it is applied (as a dead letter).
  const again = await cli(...command.split(' '));
  expect(again.code).not.toBe(0);
  expect(again.stderr).toContain('is applied already');
}, 600_000);

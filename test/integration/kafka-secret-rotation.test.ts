// A rotated Kafka SASL password is picked up without restarting the worker. Kafka us/cell-1 has a
// SASL_SSL listener with SCRAM-SHA-256 (infra/local); this test makes its own SCRAM user,
// whose secret lives in a secrets file with a cache TTL of an hour, so only the refresh after an
// authentication failure (activities/sources/kafka/auth-failure.ts) can explain the second run succeeding.
// The password changes live on the broker (AlterUserScramCredentials), then in the secret.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { SecretProvider } from '../../activities/secrets/provider.js';
import { validateConfig } from '../../config/load.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { STACK, stackConfig, uniqueName } from './stack.js';
import { startHarness, type Harness } from './harness.js';
import { localSecrets } from './source-role.js';
import { clicks, createTopic, deleteTopic, dropSchema, loadedPerCell, produce } from './topic-fixture.js';
import { canLogin, deleteScramUser, KAFKA_SASL_SSL_US_CELL_1, setScramPassword } from './kafka-scram.js';

const topic = uniqueName('rotated_clicks');
const user = uniqueName('tributary_kafka_rot');
const before = `krot-a-${randomBytes(9).toString('hex')}`;
const after = `krot-b-${randomBytes(9).toString('hex')}`;
const SECRET = 'events-us-cell-1-sasl';
let secretsFile: string;
let config: TributaryConfig;
let harness: Harness;

function writeSecrets(password: string): void {
  writeFileSync(secretsFile, JSON.stringify({ ...localSecrets(), [SECRET]: { username: user, password, mechanism: 'SCRAM-SHA-256' } }));
}

beforeAll(async () => {
  secretsFile = join(mkdtempSync(join(tmpdir(), 'tributary-kafka-rotation-')), 'secrets.json');
  await setScramPassword(user, before);
  writeSecrets(before);
  // Topic and messages go through the PLAINTEXT listener of the same cluster; Tributary reads through SASL.
  await createTopic('us/cell-1', topic);
  const base = stackConfig([]);
  config = validateConfig('test-config', {
    ...base,
    secrets: { provider: 'file', path: secretsFile, ttlSeconds: 3_600 },
    sources: { ...base.sources, events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: [KAFKA_SASL_SSL_US_CELL_1], secret: SECRET, tls: { caFile: STACK.tls.caFile } }] } },
    pipelines: [
      {
        name: 'clicks',
        kind: 'topic',
        source: 'events',
        topic,
        target: uniqueName('rotated_clicks'),
        regions: ['us'],
        columns: [
          { name: 'id', path: 'id', type: 'bigint', required: true },
          { name: 'at', path: 'at', type: 'timestamptz', required: true },
        ],
      },
    ],
  });
  harness = await startHarness(config, ['us']);
});

afterAll(async () => {
  await harness?.close();
  await deleteTopic('us/cell-1', topic);
  await deleteScramUser(user).catch(() => undefined);
  if (config) {
    await dropSchema(config.warehouse.schema);
    await dropSchema(targetTable(config, config.pipelines[0]!)[0]).catch(() => undefined);
  }
});

it('runs again after the Kafka SASL password and its secret rotate, on the same worker', async () => {
  // The workers run in this process: watch their secret providers' refreshes.
  const refresh = vi.spyOn(SecretProvider.prototype, 'refresh');
  await produce('us/cell-1', topic, clicks('us/cell-1', 0, 300));
  const first = await harness.run('clicks', 'us');
  expect(first.inserted).toBe(300);
  expect(refresh).not.toHaveBeenCalled();

  // Rotate: the broker first, then the secret, as a Secrets Manager rotation does.
  await setScramPassword(user, after);
  writeSecrets(after);
  expect(await canLogin(user, before)).toBe(false);
  expect(await canLogin(user, after)).toBe(true);
  await produce('us/cell-1', topic, clicks('us/cell-1', 300, 200));

  // The worker still caches the old password (TTL 1 h): the first login is refused, the secret
  // is fetched again, and the run goes on.
  const second = await harness.run('clicks', 'us');
  expect(second.inserted).toBe(200);
  expect(await loadedPerCell(targetTable(config, config.pipelines[0]!))).toEqual({ perCell: { 'us/cell-1': 500 }, duplicates: 0 });
  // Exactly one refresh, of the cluster's secret: after that the cache holds the new password.
  expect(refresh.mock.calls).toEqual([[SECRET]]);
});

// A rotated source password is picked up without restarting the worker. The source role is
// this test's own (same grants as tributary_reader); its secret lives in a secrets file with a
// cache TTL of an hour, so only the refresh after an authentication failure can explain the
// second run succeeding (activities/pg/connect.ts fetches the secret again once).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { SecretProvider } from '../../activities/secrets/provider.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, insertRows } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { canLogin, createReaderRole, dropRole, endSessions, localSecrets, setRolePassword } from './source-role.js';

const table = uniqueName('rotated');
const role = uniqueName('tributary_rot');
const before = `rot-a-${randomBytes(9).toString('hex')}`;
const after = `rot-b-${randomBytes(9).toString('hex')}`;
let secretsFile: string;
let config: TributaryConfig;
let harness: Harness;

function writeSecrets(password: string): void {
  const local = localSecrets();
  const url = new URL(STACK.source.us!);
  const appUs = { host: url.hostname, port: Number(url.port), username: role, password, dbname: 'app' };
  writeFileSync(secretsFile, JSON.stringify({ ...local, 'app-us': appUs }));
}

beforeAll(async () => {
  secretsFile = join(mkdtempSync(join(tmpdir(), 'tributary-rotation-')), 'secrets.json');
  await createFactTable('us', table, 3_000);
  await createReaderRole('us', role, before, [table]);
  writeSecrets(before);
  config = stackConfig([
    { name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0, lookbackSeconds: 5 } },
  ]);
  config.secrets = { provider: 'file', path: secretsFile, ttlSeconds: 3_600 };
  harness = await startHarness(config, ['us']);
});

afterAll(async () => {
  await harness?.close();
  await dropRole('us', role);
  await dropFactTable(table);
  await dropSchema(config.warehouse.schema);
});

it('runs again after the source password and its secret rotate, on the same worker', async () => {
  // The workers run in this process: watch their secret providers' refreshes.
  const refresh = vi.spyOn(SecretProvider.prototype, 'refresh');
  const first = await harness.run('orders', 'us');
  expect(first.inserted).toBe(3_000);
  expect(refresh).not.toHaveBeenCalled();

  // Rotate: the server first, then the secret, as a Secrets Manager rotation does.
  await setRolePassword('us', role, after);
  writeSecrets(after);
  expect(await canLogin('us', role, before)).toBe(false);
  expect(await canLogin('us', role, after)).toBe(true);
  // Sessions already open outlive a rotation: the worker's pooled ones would go on with the old
  // password until they idle out. Ending them makes the next connection log in now.
  await endSessions('us', role);
  await withClient(STACK.source.us!, (c) => insertRows(c, table, 3_001, 400));

  // The worker still caches the old password (TTL 1 h): the first new connection fails with
  // 28P01, the secret is fetched again, and the run goes on (a pooled session that was ended
  // but not yet noticed fails its activity, which is retried).
  const second = await harness.run('orders', 'us');
  expect(second.inserted).toBe(400);
  expect(await expectWarehouseEqualsSource('us', table, targetTable(config, config.pipelines[0]!))).toBe(3_400);
  // Exactly one refresh, of the source's secret: after that the cache holds the new password.
  expect(refresh.mock.calls).toEqual([['app-us']]);
});

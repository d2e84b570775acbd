// Kafka Connect's REST API over HTTPS with basic auth (the local workers run Kafka's
// BasicAuthSecurityRestExtension): without credentials, with a wrong password, or without the CA
// the call fails at once (non-retryable) naming the Connect cluster and never the password; with
// the right secret and CA it answers. Through apply too, where the refusal becomes the row's error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { expect, it } from 'vitest';
import { ConnectCluster } from '../../activities/managed-cdc/connect-rest.js';
import { applyCaptures } from '../../activities/managed-cdc/reconcile.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { validateConfig } from '../../config/load.js';
import { CONNECT_SECRET, STACK, connectConfig, stackConfig, uniqueName } from './stack.js';

const URL = STACK.connect.us!;
const WRONG = `wrong-${uniqueName('pw')}`;
const secretsFile = join(mkdtempSync(join(tmpdir(), 'tributary-connect-auth-')), 'secrets.json');
writeFileSync(secretsFile, JSON.stringify({ 'connect-wrong': { username: 'tributary', password: WRONG }, 'connect-nouser': { username: 'nobody-here', password: WRONG } }));
const wrongSecrets = createSecretProvider({ provider: 'file', path: secretsFile, ttlSeconds: 60 });
const localSecrets = createSecretProvider(stackConfig([]).secrets);

/** The failure a call ends with; fails the test when the call succeeds. */
async function failure(c: ConnectCluster): Promise<ApplicationFailure> {
  const err = await c.connectors().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

function expectRefusal(f: ApplicationFailure, ...words: string[]): void {
  expect(f.nonRetryable).toBe(true);
  expect(f.type).toBe('ConnectRefused');
  expect(f.message).toContain(`Kafka Connect ${URL}`);
  for (const w of words) expect(f.message).toContain(w);
  expect(f.message).not.toContain(WRONG);
  expect(f.message).not.toContain(Buffer.from(`tributary:${WRONG}`).toString('base64'));
  expect(f.message).not.toContain('connect-local');
}

it('the Connect REST API is HTTPS: a URL without the CA is refused at once over its certificate', async () => {
  expect(URL.startsWith('https://')).toBe(true);
  const f = await failure(new ConnectCluster({ url: URL, secret: CONNECT_SECRET }, localSecrets, 10_000));
  expectRefusal(f, 'TLS certificate is not accepted', 'connect.tls.caFile');
});

it('without credentials, or with a wrong password or user, the call is refused at once naming the cluster, never the password', async () => {
  expectRefusal(await failure(new ConnectCluster({ url: URL, tls: { caFile: STACK.tls.caFile } }, localSecrets)), 'HTTP 401', 'connect.secret');
  expectRefusal(await failure(new ConnectCluster({ ...connectConfig('us'), secret: 'connect-wrong' }, wrongSecrets)), 'HTTP 401', 'secret "connect-wrong"');
  expectRefusal(await failure(new ConnectCluster({ ...connectConfig('us'), secret: 'connect-nouser' }, wrongSecrets)), 'HTTP 401', 'secret "connect-nouser"');
});

it('with the secret and the CA the REST API answers', async () => {
  const c = new ConnectCluster(connectConfig('us'), localSecrets);
  const plugins = (await c.call('GET', '/connector-plugins')) as { class: string }[];
  expect(plugins.map((p) => p.class)).toContain('io.debezium.connector.postgresql.PostgresConnector');
  expect(Array.isArray(await c.connectors())).toBe(true);
  await c.close();
});

it('apply with a wrong password reports the refusal in its row, without the password', async () => {
  const capture = uniqueName('cauth');
  const base = stackConfig([], {
    sources: {
      app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us', cdc: { secret: 'app-us-cdc', passwordRef: '${env:TRIBUTARY_CDC_PASSWORD}' } }] },
      events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: [STACK.kafka['us/cell-1']!], connect: { ...connectConfig('us'), secret: 'connect-wrong' } }] },
    },
  });
  const config = validateConfig('connect-auth', {
    ...base,
    secrets: { provider: 'file', path: secretsFile },
    pipelines: [{ name: capture, kind: 'cdc', source: 'events', regions: ['us'], capture: { from: 'app', tables: [{ table: `public.${capture}`, key: ['id'] }] } }],
  });
  const rows = await applyCaptures(config, wrongSecrets, { dryRun: true });
  expect(rows).toHaveLength(1);
  expect(rows[0]!.action).toBe('failed');
  expect(rows[0]!.error).toContain(`Kafka Connect ${URL}: the REST API refused the basic-auth credentials of secret "connect-wrong" (HTTP 401)`);
  expect(JSON.stringify(rows)).not.toContain(WRONG);
});

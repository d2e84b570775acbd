// Encrypted workflow payloads on the real dev server: a fact pipeline runs with the codec on, in
// keyset chunks whose bounds are key values; its history, read raw through a client without the
// codec, holds none of those values (every payload is binary/encrypted), while decoding the same
// payloads (in process and through the codec endpoint) shows them. Then a key rotation: a new key
// becomes current and histories written under the old one still decode.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecServer } from '../../client/codec-server.js';
import { codecFromSecret, ENCRYPTED_ENCODING } from '../../client/payload-codec.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { syncWorkflowId } from '../../names/temporal-ids.js';
import type { TributaryConfig } from '../../config/schema.js';
import { localSecrets } from './source-role.js';
import { startHarness, type Harness } from './harness.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';

const table = uniqueName('tls_codec');
const marker = `tlskey${randomBytes(6).toString('hex')}`;
const key1 = randomBytes(32).toString('base64');
const key2 = randomBytes(32).toString('base64');
let secretsFile: string;
let config: TributaryConfig;
let harness: Harness;

function writeKeys(keys: { id: string; secretKey: string }[], currentKeyId: string): void {
  writeFileSync(secretsFile, JSON.stringify({ ...localSecrets(), codec: { currentKeyId, keys } }));
}

/**
 * Every payload in a history (any event's attributes, any depth) but the search attributes: the
 * server indexes those, so no codec touches them (they hold pipeline, region and source names).
 */
function payloadsOf(node: unknown, out: Payload[] = []): Payload[] {
  if (!node || typeof node !== 'object') return out;
  const o = node as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === 'object' && 'data' in o) out.push(o);
  else for (const [k, v] of Object.entries(o)) if (k !== 'searchAttributes') payloadsOf(v, out);
  return out;
}

async function rawHistory(workflowId: string): Promise<{ text: string; payloads: Payload[] }> {
  const connection = await Connection.connect({ address: STACK.temporal });
  try {
    const history = await new Client({ connection, namespace: config.temporal.namespace }).workflow.getHandle(workflowId).fetchHistory();
    const payloads = payloadsOf(history);
    const text = JSON.stringify(history) + payloads.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('latin1')).join('');
    return { text, payloads };
  } finally {
    await connection.close();
  }
}

const plain = (payloads: Payload[]) => payloads.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')).join('\n');

beforeAll(async () => {
  secretsFile = join(mkdtempSync(join(tmpdir(), 'tributary-codec-')), 'secrets.json');
  writeKeys([{ id: 'k1', secretKey: key1 }], 'k1');
  await withClient(STACK.source.us!, async (c) => {
    await c.query(`CREATE TABLE public.${table} (id text PRIMARY KEY, v int NOT NULL, updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
    await c.query(`INSERT INTO public.${table} (id, v) SELECT '${marker}-' || lpad(g::text, 3, '0'), g FROM generate_series(1, 30) g`);
  });
  const base = stackConfig([{ name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0, chunkRows: 10 } }]);
  config = { ...base, secrets: { provider: 'file', path: secretsFile, ttlSeconds: 0 }, temporal: { ...base.temporal, encryption: { secret: 'codec' } } };
  harness = await startHarness(config, ['us']);
}, 240_000);

afterAll(async () => {
  await harness?.close();
  await withClient(STACK.source.us!, (c) => c.query(`DROP TABLE IF EXISTS public.${table}`));
  await withClient(STACK.warehouse, (c) => c.query(`DROP SCHEMA IF EXISTS ${config.warehouse.schema} CASCADE`));
});

describe('encrypted payloads', () => {
  let workflowId: string;
  let history: { text: string; payloads: Payload[] };

  it('runs with the codec on, and the raw history holds no key value', async () => {
    const result = await harness.run('orders', 'us');
    expect(result.inserted).toBe(30);
    expect(result.units).toBeGreaterThan(1);
    workflowId = syncWorkflowId(config, 'orders', 'us');
    history = await rawHistory(workflowId);
    expect(history.payloads.length).toBeGreaterThan(5);
    for (const p of history.payloads) expect(Buffer.from(p.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(history.text).not.toContain(marker);
  });

  it('decodes the same payloads to plaintext that does hold the keyset bounds (so the check above can fail)', async () => {
    const codec = await codecFromSecret('codec', createSecretProvider(config.secrets));
    expect(plain(await codec.decode(history.payloads))).toContain(marker);
  });

  it('serves /decode for the Temporal UI, with CORS for the UI origin only', async () => {
    const codec = await codecFromSecret('codec', createSecretProvider(config.secrets));
    const server = codecServer(codec, ['http://127.0.0.1:8233']);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const wire = history.payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data!).toString('base64') }));
      const res = await fetch(`${url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:8233' }, body: JSON.stringify({ payloads: wire }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
      const decoded = (await res.json()) as { payloads: { data: string }[] };
      expect(decoded.payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n')).toContain(marker);
      const other = await fetch(`${url}/decode`, { method: 'POST', headers: { origin: 'https://evil.example' }, body: JSON.stringify({ payloads: [] }) });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const bad = await fetch(`${url}/decode`, { method: 'POST', body: '{"payloads": [{"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA==", "encryption-key-id": "b2xk"}, "data": ""}]}' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('no key "old" among the keys (k1)');
    } finally {
      server.close();
    }
  });

  it('after a rotation (k2 current, k1 kept), old and new histories decode', async () => {
    writeKeys([{ id: 'k2', secretKey: key2 }, { id: 'k1', secretKey: key1 }], 'k2');
    await harness.close();
    harness = await startHarness(config, ['us']);
    await withClient(STACK.source.us!, (c) => c.query(`UPDATE public.${table} SET v = v + 1, updated_at = now() - interval '1 second'`));
    await harness.run('orders', 'us');
    const second = await rawHistory(workflowId);
    const ids = new Set(second.payloads.map((p) => Buffer.from(p.metadata!['encryption-key-id']!).toString()));
    expect(ids).toEqual(new Set(['k2']));
    expect(second.text).not.toContain(marker);
    const codec = await codecFromSecret('codec', createSecretProvider(config.secrets));
    expect(plain(await codec.decode([...history.payloads, ...second.payloads]))).toContain(marker);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSecrets, envVarName } from '../../activities/secrets/env.js';
import { fileSecrets } from '../../activities/secrets/file.js';
import { SecretProvider, type SecretSource } from '../../activities/secrets/provider.js';

describe('secret providers', () => {
  it('env: reads JSON from a variable derived from the name', async () => {
    expect(envVarName('TRIBUTARY_SECRET_', 'app-us')).toBe('TRIBUTARY_SECRET_APP_US');
    const src = envSecrets('P_', { P_APP_US: '{"username":"u","password":"p"}' });
    expect(await src.fetch('app-us')).toEqual({ username: 'u', password: 'p' });
    await expect(src.fetch('missing')).rejects.toThrow('secret "missing" was not found in the environment variable P_MISSING');
  });

  it('file: never quotes the file in its error, even when the JSON is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-secrets-'));
    const path = join(dir, 's.json');
    writeFileSync(path, '{"app": {"password": "hunter2-secret" ');
    const err = await fileSecrets(path).fetch('app').catch((e: Error) => e);
    expect((err as Error).message).toContain('is not valid JSON');
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain('hunter2');
    expect((err as Error).cause).toBeUndefined();
  });

  it('caches for the TTL and fetches again after refresh (a rotated password)', async () => {
    let version = 1;
    let fetches = 0;
    const src: SecretSource = { fetch: () => (fetches++, Promise.resolve({ password: `v${version}` })) };
    let now = 0;
    const provider = new SecretProvider(src, 1000, () => now);
    expect(await provider.get('a')).toEqual({ password: 'v1' });
    version = 2;
    expect(await provider.get('a')).toEqual({ password: 'v1' });
    provider.refresh('a');
    expect(await provider.get('a')).toEqual({ password: 'v2' });
    version = 3;
    now = 1500;
    expect(await provider.get('a')).toEqual({ password: 'v3' });
    expect(fetches).toBe(3);
  });
});

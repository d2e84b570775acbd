// One Node.js everywhere: the tests run on the version make pins (infra/local/versions.env, put
// on PATH by the Makefile), and the image, engines and the pin agree on the major.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');
const pinned = /^NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(read('infra/local/versions.env'));
const major = (v: string) => Number(v.split('.')[0]);

describe('the Node.js runtime', () => {
  it('versions.env pins an LTS line that engines accepts', () => {
    expect(pinned, 'NODE_VERSION=<major>.<minor>.<patch> in infra/local/versions.env').not.toBeNull();
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('^22.22.0 || >=24.6.0');
    expect(Number(pinned![1]) % 2, 'an even major (LTS)').toBe(0);
    expect(Number(pinned![1])).toBeGreaterThanOrEqual(24);
  });

  it('the image uses the pinned version', () => {
    const image = /^ARG NODE_IMAGE=node:(\S+)-bookworm-slim$/m.exec(read('infra/docker/Dockerfile'));
    expect(image?.[1]).toBe(pinned![0].slice('NODE_VERSION='.length));
  });

  it('the tests run on a supported Node.js (22.22+ or 24.6+), not the machine default of an older one', () => {
    const [maj, min] = process.versions.node.split('.').map(Number) as [number, number];
    const ok = (maj === 22 && min >= 22) || (maj === 24 && min >= 6) || maj > 24;
    expect(ok, `running on Node.js ${process.versions.node}`).toBe(true);
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(22);
  });
});

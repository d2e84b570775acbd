import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../config/load.js';
import { MAX_CONFIG_BYTES } from '../../config/limits.js';
import { baseConfig, problemsOf, type Edit } from './config-hardening-base.js';

const base = baseConfig() as { sources: Record<string, unknown> };

describe('config bounds', () => {
  it('accepts the base config', () => {
    expect(problemsOf()).toEqual([]);
  });

  it.each<[string, Edit[], RegExp]>([
    ['lag', [[['pipelines', 0, 'options'], { lagSeconds: 366 * 86_400 + 1 }]], /^pipelines\[0\]\.options\.lagSeconds: expected lag of at most 31622400 seconds/],
    ['look-back', [[['pipelines', 0, 'options'], { lookbackSeconds: 10 ** 9 }]], /lookbackSeconds: expected look-back of at most 2592000 seconds/],
    ['chunk rows', [[['pipelines', 0, 'options'], { chunkRows: 10 ** 12 }]], /chunkRows: expected at most 100000000 rows/],
    ['secret cache time', [[['secrets', 'ttlSeconds'], 10 ** 7]], /^secrets\.ttlSeconds: expected the cache time of at most 86400 seconds/],
    ['heartbeat', [[['temporal'], { heartbeatTimeoutSeconds: 7200 }]], /^temporal\.heartbeatTimeoutSeconds: .*at most 3600 seconds/],
    ['retention', [[['stage', 'retentionDays'], 100_000]], /^stage\.retentionDays: expected retention days between 0 and 3650/],
    ['merges', [[['warehouse', 'maxConcurrentMerges'], 1000]], /^warehouse\.maxConcurrentMerges: expected concurrent merges between 1 and 64/],
    ['message bytes', [[['pipelines', 1, 'options'], { maxMessageBytes: 2 ** 40 }]], /^pipelines\[1\]\.options\.maxMessageBytes: expected message bytes between 1 and 67108864/],
    ['messages per partition', [[['pipelines', 1, 'options'], { maxMessagesPerPartition: 2 ** 40 }]], /maxMessagesPerPartition: expected messages per partition between 1 and 100000000/],
    [
      'full pass',
      [[['pipelines', 0], { name: 'orders', kind: 'dimension', source: 'app', table: 'orders', key: ['id'], options: { incremental: { column: 'updated_at', fullPassEveryHours: 10 ** 6 } } }]],
      /fullPassEveryHours: expected at most 8784 hours/,
    ],
    ['region name', [[['sources', 'app', 'servers', 0, 'region'], 'r'.repeat(10_000)]], /^sources\.app\.servers\[0\]\.region: expected a region name of at most 63 characters/],
    ['pipeline name', [[['pipelines', 0, 'name'], 'p'.repeat(64)]], /^pipelines\[0\]\.name: expected a name of at most 63 characters/],
    ['source name', [[['sources'], { ['s'.repeat(100)]: base.sources.app, events: base.sources.events }]], /^sources\.s+: expected a name of at most 63 characters/],
    ['host length', [[['sources', 'app', 'servers', 0, 'host'], `${'h'.repeat(300)}.example.com`]], /host: expected a host name of at most 253 characters/],
    ['key columns', [[['pipelines', 0, 'key'], Array.from({ length: 33 }, (_, i) => `k${i}`)]], /^pipelines\[0\]\.key: expected at most 32 key columns/],
  ])('refuses a %s past its bound, naming the field', (_what, edits, message) => {
    const problems = problemsOf(...edits);
    expect(problems.some((p) => message.test(p)), problems.join('\n')).toBe(true);
  });

  it('refuses a config file over the size limit before parsing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-config-size-'));
    const file = join(dir, 'huge.yaml');
    // 50 MB of one long YAML list: parsing it would take the process's heap.
    writeFileSync(file, `pipelines:\n${'  - { name: x, kind: fact }\n'.repeat(Math.ceil((50 * 1024 * 1024) / 28))}`);
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(/expected a config file of at most 4 MB, but it has 50\.0 MB \(refused before parsing\)/);
    expect(() => parseConfig('text.yaml', 'x'.repeat(MAX_CONFIG_BYTES + 1))).toThrow(/at most 4 MB/);
  });
});

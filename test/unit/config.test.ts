import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatPath, loadConfig, parseConfig } from '../../config/load.js';
import { pipelineRegions, postgresEndpoints, targetTable, allRegions } from '../../config/resolve.js';

const dir = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const bad = readdirSync(`${dir}bad`).filter((f) => f.endsWith('.yaml'));

describe('config validation', () => {
  it('accepts the good fixture and fills defaults', () => {
    const cfg = loadConfig(`${dir}good.yaml`);
    const orders = cfg.pipelines[0]!;
    expect(orders.kind).toBe('fact');
    expect(orders.schedule).toBe('*/15 * * * *');
    expect(orders.kind === 'fact' && orders.options).toEqual({ lagSeconds: 5, lookbackSeconds: 0, maxParallel: 4, chunkRows: 250_000, onNewColumn: 'add', onTypeChange: 'widen', smallReadRows: 10_000 });
    expect(pipelineRegions(cfg, orders)).toEqual(['us', 'eu']);
    expect(targetTable(cfg, orders)).toEqual(['analytics', 'orders']);
    expect(cfg.stage.type === 'file' && cfg.stage.path).toBe(`${dir}stage`);
    expect(postgresEndpoints(cfg, 'app', 'eu').map((e) => e.id)).toEqual(['app/eu']);
    expect(allRegions(cfg)).toEqual(['us', 'eu']);
  });

  it('accepts the example config the demo uses', () => {
    const cfg = loadConfig(fileURLToPath(new URL('../../config/examples/local.yaml', import.meta.url)));
    expect(cfg.pipelines.map((p) => p.name)).toContain('orders');
  });

  it('has at least 10 kinds of mistakes to reject', () => {
    expect(bad.length).toBeGreaterThanOrEqual(10);
  });

  it.each(bad)('rejects %s, naming the file, the path and what was expected', (name) => {
    const file = `${dir}bad/${name}`;
    const text = readFileSync(file, 'utf8');
    const expected = /^# expect: (.+)$/m.exec(text)?.[1];
    expect(expected, `${name} needs an "# expect:" line`).toBeTruthy();
    let error: unknown;
    try {
      parseConfig(file, text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message.startsWith(`${file}:`)).toBe(true);
    expect(message).toContain(expected);
  });

  it('reports every problem at once, not just the first', () => {
    const text = readFileSync(`${dir}good.yaml`, 'utf8').replace('key: [id]', 'key: []').replace('watermark: updated_at', 'watermark: 7');
    const err = (() => {
      try {
        parseConfig('x.yaml', text);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.problems).toHaveLength(2);
    expect(err?.problems.join('\n')).toMatch(/pipelines\[0\]\.key .*at least one key column/);
  });

  it('names an unreadable file', () => {
    expect(() => loadConfig('/nonexistent/tributary.yaml')).toThrow(/^\/nonexistent\/tributary.yaml: [^]*cannot read the file: ENOENT/);
  });

  it('formats paths like a reader writes them', () => {
    expect(formatPath(['pipelines', 2, 'key', 0])).toBe('pipelines[2].key[0]');
    expect(formatPath([])).toBe('(top level)');
  });
});

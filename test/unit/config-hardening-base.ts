// A small valid config for the config-hardening tests, and a helper that returns the problems
// a copy of it gets once some values are set (none when it validates).
import { ConfigError, validateConfig } from '../../config/load.js';

export function baseConfig(): Record<string, unknown> {
  return {
    sources: {
      app: { type: 'postgres', servers: [{ region: 'us', host: '127.0.0.1', port: 55432, database: 'app', secret: 'app-us' }] },
      events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] }] },
    },
    warehouse: { type: 'postgres', secret: 'warehouse' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    pipelines: [
      { name: 'orders', kind: 'fact', source: 'app', table: 'public.orders', key: ['id'], watermark: 'updated_at' },
      { name: 'clicks', kind: 'topic', source: 'events', topic: 'clicks', target: 'analytics.clicks', columns: [{ name: 'user_id', path: 'user.id', type: 'bigint' }] },
    ],
  };
}

/** One change: the value to put at a path (missing objects on the way are made). */
export type Edit = [path: readonly PropertyKey[], value: unknown];

function setAt(root: Record<PropertyKey, unknown>, path: readonly PropertyKey[], value: unknown): void {
  let node = root;
  path.slice(0, -1).forEach((part) => {
    const next = node[part];
    node = (next !== null && typeof next === 'object' ? next : (node[part] = {})) as Record<PropertyKey, unknown>;
  });
  node[path[path.length - 1]!] = value;
}

/** The problems of the base config with these edits: [] when it validates. */
export function problemsOf(...edits: Edit[]): string[] {
  const cfg = baseConfig();
  for (const [path, value] of edits) setAt(cfg, path, value);
  try {
    validateConfig('test.yaml', cfg);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

// The Redshift warehouse and S3 stage config: docs/redshift.md's complete setup validates, and each
// auth mistake is refused with a message that says what was expected.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, validateConfig } from '../../config/load.js';

const page = readFileSync(fileURLToPath(new URL('../../docs/redshift.md', import.meta.url)), 'utf8');
const section = page.slice(page.indexOf('## A complete setup'));
const example = parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!) as Record<string, unknown>;

const rest = {
  sources: { app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }] } },
  secrets: { provider: 'env' },
  pipelines: [{ name: 'orders', kind: 'fact', source: 'app', table: 'public.orders', key: ['id'], watermark: 'updated_at' }],
};
const withWarehouse = (over: Record<string, unknown>) => ({ ...rest, ...example, warehouse: { ...(example.warehouse as object), ...over } });
const problems = (value: unknown): string => {
  try {
    validateConfig('redshift.yaml', value);
    return '';
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
};

describe('Redshift and S3 stage config', () => {
  it('accepts the complete setup in docs/redshift.md and fills defaults', () => {
    const cfg = validateConfig('docs-redshift.yaml', { ...rest, ...example });
    expect(cfg.warehouse).toMatchObject({ type: 'redshift', workgroup: 'tributary-bi', maxConcurrentMerges: 4, varcharOverflow: 'widen' });
    expect(cfg.stage).toMatchObject({ type: 's3', sliceCount: 4, maxFileMB: 256, retentionDays: 7, retentionBy: 'lifecycle', forcePathStyle: false });
  });

  it('takes a cluster with a database user, or with a secret', () => {
    expect(problems(withWarehouse({ workgroup: undefined, clusterIdentifier: 'bi', dbUser: 'loader' }))).toBe('');
    expect(problems(withWarehouse({ workgroup: undefined, clusterIdentifier: 'bi', secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x' }))).toBe('');
    expect(problems(withWarehouse({ secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x' }))).toBe('');
  });

  it.each([
    [{ clusterIdentifier: 'bi', dbUser: 'x' }, 'expected exactly one of workgroup (Serverless) or clusterIdentifier (provisioned)'],
    [{ workgroup: undefined }, 'expected exactly one of workgroup (Serverless) or clusterIdentifier (provisioned)'],
    [{ dbUser: 'x' }, 'expected dbUser only with clusterIdentifier'],
    [{ workgroup: undefined, clusterIdentifier: 'bi' }, 'expected dbUser or secretArn with clusterIdentifier'],
    [{ workgroup: undefined, clusterIdentifier: 'bi', dbUser: 'x', secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x' }, 'expected either dbUser or secretArn, not both'],
    [{ copyRoleArn: "arn:aws:iam::123456789012:role/x' y" }, 'expected an IAM role ARN'],
    [{ varcharOverflow: 'truncate' }, 'expected "widen" or "quarantine"'],
  ])('refuses %o', (over, message) => {
    expect(problems(withWarehouse(over))).toContain(message);
  });

  it('bounds the S3 file size to 1 MB .. 1 GB', () => {
    expect(problems({ ...rest, ...example, stage: { ...(example.stage as object), maxFileMB: 2048 } })).toContain('expected at most 1024 MB (1 GB)');
  });
});

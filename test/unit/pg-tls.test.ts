import { describe, expect, it } from 'vitest';
import { pgSslOptions } from '../../activities/pg/tls.js';
import { parseConfig } from '../../config/load.js';

const m = { ca: 'CA', cert: 'CERT', key: 'KEY' };

describe('sslmode as node-postgres TLS options', () => {
  it('maps each mode', () => {
    expect(pgSslOptions('disable', m)).toBe(false);
    expect(pgSslOptions('require', m)).toEqual({ cert: 'CERT', key: 'KEY', rejectUnauthorized: false });
    expect(pgSslOptions('verify-full', m)).toEqual({ ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: true });
    const ca = pgSslOptions('verify-ca', {}) as { checkServerIdentity: () => unknown; rejectUnauthorized: boolean };
    expect(ca.rejectUnauthorized).toBe(true);
    expect(ca.checkServerIdentity()).toBeUndefined();
    // Without a CA bundle verify-full trusts Node's public roots: no `ca` key at all.
    expect(pgSslOptions('verify-full', {})).toEqual({ rejectUnauthorized: true });
  });
});

describe('tls in the config', () => {
  const text = (tls: string) => `
sources:
  app: { type: postgres, servers: [{ region: us, secret: app-us, tls: ${tls} }] }
warehouse: { type: postgres, secret: wh, tls: { caFile: /etc/ssl/rds-global-bundle.pem } }
stage: { type: file, path: stage }
secrets: { provider: env }
pipelines: []
`;
  it('defaults the mode to verify-full and resolves files against the config folder', () => {
    const cfg = parseConfig('/etc/tributary/config.yaml', text('{ caFile: certs/ca.pem, certFile: certs/c.pem, keyFile: /k.pem }'));
    const src = cfg.sources.app!;
    expect(src.type === 'postgres' && src.servers[0]!.tls).toEqual({ mode: 'verify-full', caFile: '/etc/tributary/certs/ca.pem', certFile: '/etc/tributary/certs/c.pem', keyFile: '/k.pem' });
    expect(cfg.warehouse.type === 'postgres' && cfg.warehouse.tls).toEqual({ mode: 'verify-full', caFile: '/etc/ssl/rds-global-bundle.pem' });
  });
  it('refuses an unknown mode, naming the field', () => {
    expect(() => parseConfig('c.yaml', text('{ mode: prefer }'))).toThrow(/sources\.app\.servers\[0\]\.tls\.mode.*verify-full/);
  });
});

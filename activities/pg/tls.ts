// libpq's sslmode as node-postgres TLS options. Pure. verify-full checks the chain against the
// CA bundle (or Node's public roots without one) and the host name or IP against the
// certificate; verify-ca checks the chain only; require encrypts without checking who answers.
import type { ConnectionOptions } from 'node:tls';
import type { TlsMaterial } from '../secrets/tls.js';

export const PG_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type PgSslMode = (typeof PG_SSL_MODES)[number];

export function isPgSslMode(v: unknown): v is PgSslMode {
  return typeof v === 'string' && (PG_SSL_MODES as readonly string[]).includes(v);
}

/** `ssl` for pg.ClientConfig: false for disable, TLS options otherwise. */
export function pgSslOptions(mode: PgSslMode, m: TlsMaterial): false | ConnectionOptions {
  if (mode === 'disable') return false;
  const client = { ...(m.cert ? { cert: m.cert, key: m.key } : {}) };
  if (mode === 'require') return { ...client, rejectUnauthorized: false };
  const chain = { ...client, ...(m.ca ? { ca: m.ca } : {}), rejectUnauthorized: true };
  return mode === 'verify-ca' ? { ...chain, checkServerIdentity: () => undefined } : chain;
}

// PostgreSQL over TLS against the local stack's warehouse server (ssl=on, a server certificate
// from the local CA for 127.0.0.1): verify-full from the config's CA file or the secret's PEM,
// a client certificate login, and the refusals that show the checks are real.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closePools, connectPg, withPg, type PgTarget } from '../../activities/pg/connect.js';
import { SecretProvider, type Credentials } from '../../activities/secrets/provider.js';
import { STACK } from './stack.js';

const url = new URL(STACK.warehouse);
const server = { host: url.hostname, port: Number(url.port), database: url.pathname.slice(1) };
const superuser = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };

function provider(secrets: Record<string, Credentials>): SecretProvider {
  return new SecretProvider({ fetch: (name) => Promise.resolve(secrets[name]!) }, 0);
}

async function sessionTls(target: PgTarget, secrets: SecretProvider): Promise<{ ssl: boolean; user: string }> {
  const c = await connectPg(target, secrets);
  try {
    const r = await c.query<{ ssl: boolean; user: string }>('SELECT s.ssl, current_user AS user FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()');
    return r.rows[0]!;
  } finally {
    await c.end();
  }
}

afterAll(closePools);

describe('PostgreSQL TLS', () => {
  const secrets = provider({ wh: superuser });

  it('connects with verify-full and the local CA from the config', async () => {
    const target: PgTarget = { label: 'warehouse', ...server, secret: 'wh', tls: { mode: 'verify-full', caFile: STACK.tls.caFile } };
    expect(await sessionTls(target, secrets)).toEqual({ ssl: true, user: superuser.username });
    // Pooled sessions too.
    const ssl = await withPg(target, secrets, async (c) => (await c.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0]!.ssl);
    expect(ssl).toBe(true);
  });

  it('takes sslmode and the CA from the secret when the config says nothing', async () => {
    const fromSecret = provider({ wh: { ...superuser, sslmode: 'verify-full', tlsCa: readFileSync(STACK.tls.caFile, 'utf8') } });
    expect(await sessionTls({ label: 'warehouse', ...server, secret: 'wh' }, fromSecret)).toEqual({ ssl: true, user: superuser.username });
  });

  it('refuses a server whose certificate no trusted CA signed (verify-full with Node\'s public roots)', async () => {
    const target: PgTarget = { label: 'warehouse', ...server, secret: 'wh', tls: { mode: 'verify-full' } };
    await expect(sessionTls(target, secrets)).rejects.toThrow(/^warehouse: cannot connect: .*(self-signed|local issuer|unable to verify)/i);
  });

  it('refuses a host name the certificate does not name (verify-full), and verify-ca does not check it', async () => {
    // The certificate names 127.0.0.1, ::1 and localhost; the IPv4-mapped IPv6 address reaches the
    // same server by another name (Node.js 24 reads "127.1" as 127.0.0.1, so that is no other name).
    const other = { ...server, host: '::ffff:127.0.0.1' };
    const full: PgTarget = { label: 'warehouse', ...other, secret: 'wh', tls: { mode: 'verify-full', caFile: STACK.tls.caFile } };
    await expect(sessionTls(full, secrets)).rejects.toThrow(/warehouse: cannot connect: .*(altnames|does not match|not in the cert)/i);
    const ca: PgTarget = { ...full, tls: { mode: 'verify-ca', caFile: STACK.tls.caFile } };
    expect((await sessionTls(ca, secrets)).ssl).toBe(true);
  });

  it('logs in with a client certificate (cert auth, no password)', async () => {
    const certOnly = provider({ tls: { username: 'tributary_tls' } });
    const target: PgTarget = { label: 'warehouse', ...server, database: 'postgres', secret: 'tls', tls: { mode: 'verify-full', ...STACK.tls } };
    expect(await sessionTls(target, certOnly)).toEqual({ ssl: true, user: 'tributary_tls' });
    // The same role without the certificate has no way in.
    await expect(sessionTls({ ...target, tls: { mode: 'verify-full', caFile: STACK.tls.caFile } }, certOnly)).rejects.toThrow(/warehouse: cannot connect/);
  });

  it('still speaks plaintext when told to (disable), so the checks above are the TLS ones', async () => {
    expect((await sessionTls({ label: 'warehouse', ...server, secret: 'wh', tls: { mode: 'disable' } }, secrets)).ssl).toBe(false);
  });

  it('names the connection and the file when a CA file is missing, and the field when the secret holds no PEM', async () => {
    await expect(sessionTls({ label: 'warehouse', ...server, secret: 'wh', tls: { mode: 'verify-full', caFile: '/nonexistent/ca.crt' } }, secrets)).rejects.toThrow(
      'warehouse: the TLS CA bundle file /nonexistent/ca.crt cannot be read (ENOENT)',
    );
    await expect(sessionTls({ label: 'warehouse', ...server, secret: 'wh' }, provider({ wh: { ...superuser, sslmode: 'verify-full', tlsCa: 'not a pem' } }))).rejects.toThrow(
      'warehouse: field "tlsCa" of secret "wh" must be PEM text',
    );
    await expect(sessionTls({ label: 'warehouse', ...server, secret: 'wh' }, provider({ wh: { ...superuser, sslmode: 'verify' } }))).rejects.toThrow(
      'warehouse: field "sslmode" of secret "wh" must be disable, require, verify-ca or verify-full',
    );
  });
});

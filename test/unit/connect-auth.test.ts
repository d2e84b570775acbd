import { describe, expect, it } from 'vitest';
import { basicAuthHeader, refusedAccess } from '../../activities/managed-cdc/connect-auth.js';
import { SecretRedactor } from '../../activities/secrets/redact.js';
import { validateConfig } from '../../config/load.js';
import { baseConfig } from './config-hardening-base.js';

const URL = 'https://connect-us:8083';

describe('Kafka Connect basic auth', () => {
  it("builds the RFC 7617 header from the secret's username and password", () => {
    expect(basicAuthHeader(URL, 'c', { username: 'Aladdin', password: 'open sesame' })).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    expect(basicAuthHeader(URL, 'c', { tlsCa: '-----BEGIN CERTIFICATE-----' })).toBeUndefined();
  });

  it('refuses half a login or a colon in the user, naming the secret and never the password', () => {
    for (const cred of [{ username: 'u' }, { password: 'hunter22' }, { username: '', password: 'hunter22' }, { username: 'a:b', password: 'hunter22' }]) {
      let err: unknown;
      try {
        basicAuthHeader(URL, 'connect-us', cred);
      } catch (e) {
        err = e;
      }
      expect((err as Error).message).toContain(`Kafka Connect ${URL}:`);
      expect((err as Error).message).toContain('secret "connect-us"');
      expect((err as Error).message).not.toContain('hunter22');
      expect((err as { nonRetryable?: boolean }).nonRetryable).toBe(true);
    }
  });

  it('says what a 401 or 403 means, with or without a secret', () => {
    expect(refusedAccess(URL, 'connect-us', 401)).toBe(`Kafka Connect ${URL}: the REST API refused the basic-auth credentials of secret "connect-us" (HTTP 401); check its username and password`);
    expect(refusedAccess(URL, undefined, 401)).toContain("name a secret with username and password in the cluster's connect.secret");
    expect(refusedAccess(URL, 'connect-us', 403)).toContain('denied the request for the user of secret "connect-us" (HTTP 403)');
    expect(refusedAccess(URL, 'connect-us', 404)).toBeUndefined();
    expect(refusedAccess(URL, 'connect-us', 500)).toBeUndefined();
  });

  it('masks an Authorization header value in any text', () => {
    const r = new SecretRedactor();
    expect(r.scrub('authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== sent')).toBe('authorization: [redacted] sent');
    expect(r.scrub('{"Authorization":"Bearer abc.def.ghi"}')).toBe('{"Authorization":"[redacted]"}');
  });

  it('takes a bare URL or { url, secret, tls } and keeps the bare form working', () => {
    const cfg = (connect: unknown) => {
      const c = baseConfig();
      (c.sources as { events: { clusters: Record<string, unknown>[] } }).events.clusters[0]!.connect = connect;
      return validateConfig('t', c).sources.events;
    };
    expect(cfg('http://connect:8083')).toMatchObject({ clusters: [{ connect: { url: 'http://connect:8083' } }] });
    expect(cfg({ url: 'https://connect:8083', secret: 'connect-us', tls: { caFile: '/etc/ca.crt' } })).toMatchObject({ clusters: [{ connect: { url: 'https://connect:8083', secret: 'connect-us', tls: { caFile: '/etc/ca.crt' } } }] });
    expect(() => cfg('ftp://connect:8083')).toThrow('expected the Kafka Connect REST URL');
  });
});

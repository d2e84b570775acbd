// AWS MSK IAM at its API boundary (no MSK here): the token AWS's signer makes from fixed
// credentials decodes to a presigned kafka-cluster:Connect URL whose SigV4 signature this test
// recomputes by the published algorithm; the cluster's options carry it as SASL OAUTHBEARER
// (a token function); IAM without TLS, or beside a SASL user, is refused.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { kafkaConnectionOptions } from '../../activities/sources/kafka/connection-options.js';
import { mskIamTokenProvider } from '../../activities/sources/kafka/msk-iam.js';
import { secretRedactor } from '../../activities/secrets/redact.js';
import type { KafkaEndpoint } from '../../config/resolve.js';
import { validateConfig } from '../../config/load.js';

// AWS's documented example key pair (not a real account).
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };
const AUTH = { mechanism: 'aws-msk-iam' as const, region: 'eu-west-1' };

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
// SigV4 query-string encoding: RFC 3986 unreserved characters stay, everything else is %XX.
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The SigV4 signature of a presigned GET of "/" with only the host header signed (User-Agent is added after signing, as MSK's signers do). */
function expectedSignature(url: URL, secretKey: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature' && k !== 'User-Agent');
  const query = params.map(([k, v]) => [enc(k), enc(v)]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = ['GET', '/', query, `host:${url.host}\n`, 'host', sha256('')].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = url.searchParams.get('X-Amz-Credential')!.split('/').slice(1).join('/');
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  const [day, region, service] = scope.split('/');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, day!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
}

describe('AWS MSK IAM', () => {
  it("AWS's signer makes a base64url token of a correctly presigned kafka-cluster:Connect URL", async () => {
    const before = Date.now();
    const token = await mskIamTokenProvider('events/eu/cell-1', AUTH, () => Promise.resolve(CREDS))();
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('kafka-cluster:Connect');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    const [akid, day, region, service, term] = q.get('X-Amz-Credential')!.split('/');
    expect([akid, region, service, term]).toEqual([CREDS.accessKeyId, 'eu-west-1', 'kafka-cluster', 'aws4_request']);
    expect(q.get('X-Amz-Date')!.slice(0, 8)).toBe(day);
    expect(Math.abs(Date.parse(q.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')) - before)).toBeLessThan(60_000);
    expect(q.get('X-Amz-Expires')).toBe('900');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    expect(q.get('X-Amz-Security-Token')).toBe(CREDS.sessionToken);
    expect(q.get('User-Agent')).toMatch(/^aws-msk-iam-sasl-signer-js\//);
    expect(q.get('X-Amz-Signature')).toBe(expectedSignature(url, CREDS.secretAccessKey));
    // The wrong key gives another signature: the check can fail.
    expect(q.get('X-Amz-Signature')).not.toBe(expectedSignature(url, `${CREDS.secretAccessKey}x`));
    // A bearer credential: masked from then on.
    expect(secretRedactor.scrub(`sasl token ${token}`)).not.toContain(token);
  });

  it('a missing credential names the cluster and the region', async () => {
    await expect(mskIamTokenProvider('events/eu/cell-1', AUTH, () => Promise.reject(new Error('Could not load credentials from any providers')))()).rejects.toThrow(
      'Kafka cluster events/eu/cell-1: no AWS MSK IAM token (region eu-west-1): Could not load credentials from any providers',
    );
  });

  const e = (more: Partial<KafkaEndpoint> = {}): KafkaEndpoint => ({ id: 'events/eu/cell-1', source: 'events', region: 'eu', cell: 'cell-1', brokers: ['b-1.msk.example.com:9098'], tls: {}, auth: AUTH, ...more });

  it('the cluster connects with SASL OAUTHBEARER over TLS, with a token function (the client calls it at each authentication)', () => {
    const o = kafkaConnectionOptions(e(), undefined, {});
    expect(o.tls).toEqual({});
    expect(o.tlsServerName).toBe(true);
    expect(o.sasl?.mechanism).toBe('OAUTHBEARER');
    expect(typeof (o.sasl as { token: unknown }).token).toBe('function');
    expect(() => kafkaConnectionOptions(e(), undefined, undefined)).toThrow('auth mechanism "aws-msk-iam" needs TLS');
    expect(() => kafkaConnectionOptions(e({ secret: 'k' }), { username: 'u', password: 'p' }, {})).toThrow('secret "k" holds a SASL username or password, but the cluster\'s auth is "aws-msk-iam"');
  });

  it('the config refuses IAM without TLS or with plaintext SASL allowed', () => {
    const config = (cluster: Record<string, unknown>) =>
      validateConfig('t', {
        sources: { events: { type: 'kafka', clusters: [{ region: 'eu', cell: 'cell-1', brokers: ['b-1.msk.example.com:9098'], ...cluster }] } },
        warehouse: { type: 'postgres', secret: 'w' },
        stage: { type: 'file', path: '/tmp' },
        temporal: { address: '127.0.0.1:7233' },
        secrets: { provider: 'file', path: '/tmp/secrets.json' },
        pipelines: [],
      });
    expect(config({ auth: AUTH, tls: {} }).sources.events).toMatchObject({ clusters: [{ auth: AUTH }] });
    expect(() => config({ auth: AUTH })).toThrow('expected tls: on a cluster with auth mechanism "aws-msk-iam"');
    expect(() => config({ auth: AUTH, tls: {}, allowPlaintextSasl: true })).toThrow('expected no allowPlaintextSasl with auth mechanism "aws-msk-iam"');
    expect(() => config({ auth: { mechanism: 'SCRAM-SHA-512', region: 'eu-west-1' }, tls: {} })).toThrow('expected auth mechanism "aws-msk-iam"');
    expect(() => config({ auth: { ...AUTH, roleArn: 'not-an-arn' }, tls: {} })).toThrow('expected an IAM role ARN');
  });
});

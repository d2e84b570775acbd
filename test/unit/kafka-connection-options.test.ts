import { describe, expect, it } from 'vitest';
import { kafkaConnectionOptions, wantsTls } from '../../activities/sources/kafka/connection-options.js';
import { certificateFailure } from '../../activities/sources/kafka/tls-failure.js';
import type { KafkaEndpoint } from '../../config/resolve.js';

const e = (more: Partial<KafkaEndpoint> = {}): KafkaEndpoint => ({ id: 'events/us/cell-1', source: 'events', region: 'us', cell: 'cell-1', brokers: ['b-1.kafka.example.com:9096'], secret: 'k', ...more });
const scram = { username: 'u', password: 'p', mechanism: 'SCRAM-SHA-512' };

describe('Kafka connection options', () => {
  it('turns TLS on from the config, ssl: true or PEM in the secret', () => {
    expect(wantsTls(e(), {})).toBe(false);
    expect(wantsTls(e({ tls: {} }), {})).toBe(true);
    expect(wantsTls(e(), { ssl: true })).toBe(true);
    expect(wantsTls(e(), { tlsCa: '-----BEGIN CERTIFICATE-----' })).toBe(true);
  });

  it('sends SNI for host names, not for IP addresses, and uses serverName when given', () => {
    expect(kafkaConnectionOptions(e(), undefined, {})).toEqual({ tls: {}, tlsServerName: true });
    expect(kafkaConnectionOptions(e({ brokers: ['127.0.0.1:19096'] }), undefined, { ca: 'CA' })).toEqual({ tls: { ca: 'CA' } });
    expect(kafkaConnectionOptions(e({ tls: { serverName: 'kafka.internal' } }), undefined, { cert: 'C', key: 'K' })).toEqual({ tls: { cert: 'C', key: 'K' }, tlsServerName: 'kafka.internal' });
  });

  it('sends SASL over TLS, and over plaintext only when the cluster allows it', () => {
    expect(kafkaConnectionOptions(e(), scram, {}).sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' });
    expect(() => kafkaConnectionOptions(e(), scram, undefined)).toThrow(/events\/us\/cell-1: the SASL password of secret "k" would travel in plaintext/);
    expect(kafkaConnectionOptions(e({ allowPlaintextSasl: true }), scram, undefined).sasl).toMatchObject({ username: 'u' });
  });

  it('refuses half a login and an unknown mechanism, naming the secret and field', () => {
    expect(() => kafkaConnectionOptions(e(), { username: 'u' }, {})).toThrow('secret "k" needs both username and password');
    expect(() => kafkaConnectionOptions(e(), { ...scram, mechanism: 'GSSAPI' }, {})).toThrow('field "mechanism" of secret "k" must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, got "GSSAPI"');
  });

  it('finds a certificate error however deep the client wrapped it', () => {
    const tlsErr = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const wrapped = new AggregateError([new AggregateError([new Error('Connection failed', { cause: tlsErr })])], 'metadata failed 6 times.');
    expect(certificateFailure(wrapped)).toEqual({ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' });
    expect(certificateFailure(new Error('Connection closed'))).toBeUndefined();
  });
});

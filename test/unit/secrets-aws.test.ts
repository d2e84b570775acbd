// The aws secrets provider, tested at the AWS Secrets Manager API boundary: aws-sdk-client-mock
// answers GetSecretValue in place of AWS (no cloud account here). What runs for real is our
// code: secret ids, parsing of RDS-style JSON and Kafka SASL fields, errors that never quote a
// value, and the TTL cache with refresh after an authentication failure (a rotation).
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsSecrets, parseCredentials, secretId } from '../../activities/secrets/aws.js';
import { createSecretProvider, SecretNotFoundError, SecretProvider } from '../../activities/secrets/provider.js';
import { secretRedactor } from '../../activities/secrets/redact.js';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const rds = (password: string) => JSON.stringify({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'tributary_reader', password, dbname: 'app' });

describe('aws secrets provider (aws-sdk-client-mock at the Secrets Manager boundary)', () => {
  it('reads an RDS-style secret by prefix + name', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'tributary/prod/app-us' }).resolves({ SecretString: rds('pw-one-1') });
    const src = awsSecrets({ awsRegion: 'us-east-1', prefix: 'tributary/prod/' }, new SecretsManagerClient({ region: 'us-east-1' }));
    expect(await src.fetch('app-us')).toEqual({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'tributary_reader', password: 'pw-one-1', dbname: 'app' });
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'tributary/prod/app-us' }]);
  });

  it('reads Kafka SASL fields, a string port and a binary secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'kafka-us-cell-1' }).resolves({ SecretString: '{"username":"svc","password":"sasl-pw-9","mechanism":"SCRAM-SHA-512"}' });
    sm.on(GetSecretValueCommand, { SecretId: 'bin' }).resolves({ SecretBinary: new TextEncoder().encode('{"host":"h","port":"6543","username":"u","password":"binary-pw"}') });
    const src = awsSecrets({ awsRegion: 'eu-west-1', prefix: '' });
    expect(await src.fetch('kafka-us-cell-1')).toEqual({ username: 'svc', password: 'sasl-pw-9', mechanism: 'SCRAM-SHA-512' });
    expect(await src.fetch('bin')).toEqual({ host: 'h', port: 6543, username: 'u', password: 'binary-pw' });
  });

  it('uses a full ARN as it is', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-us-AbCdEf';
    expect(secretId('tributary/', arn)).toBe(arn);
    expect(secretId('tributary/', 'app-us')).toBe('tributary/app-us');
  });

  it('names a missing secret, and a refused call, without quoting anything secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'p/missing' }).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    const denied = Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' });
    sm.on(GetSecretValueCommand, { SecretId: 'p/denied' }).rejects(denied);
    const src = awsSecrets({ awsRegion: 'us-east-1', prefix: 'p/' });
    const missing = await src.fetch('missing').catch((e: Error) => e);
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect((missing as Error).message).toBe('secret "missing" was not found in AWS Secrets Manager (p/missing, region us-east-1)');
    await expect(src.fetch('denied')).rejects.toThrow('secret "denied": AWS Secrets Manager GetSecretValue on p/denied failed: AccessDeniedException');
  });

  it('rejects malformed secrets naming the secret and field, never the value', () => {
    const bad = (text: string) => {
      try {
        parseCredentials('app-us', text);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(bad('{"password": "leaky-pw-123", ')).toBe('secret "app-us" in AWS Secrets Manager is not valid JSON (expected an object with host, port, username, password, dbname)');
    expect(bad('"just-a-string-pw"')).toContain('is not a JSON object');
    expect(bad('{"port": "not-a-port", "password": "leaky-pw-123"}')).toBe('secret "app-us": field "port" must be a port number');
    expect(bad('{"password": 12345678}')).toBe('secret "app-us": field "password" must be a string');
    for (const t of ['{"password": "leaky-pw-123", ', '{"port": "x", "password": "leaky-pw-123"}']) expect(bad(t)).not.toContain('leaky');
  });

  it('caches for the TTL; after refresh (an auth failure) it reads the rotated value', async () => {
    let current = 'before-rotation-1';
    sm.on(GetSecretValueCommand).callsFake(() => Promise.resolve({ SecretString: rds(current) }));
    let now = 0;
    const provider = new SecretProvider(awsSecrets({ awsRegion: 'us-east-1', prefix: '' }), 60_000, () => now);
    expect((await provider.get('app-us')).password).toBe('before-rotation-1');
    current = 'after-rotation-2';
    now = 30_000;
    expect((await provider.get('app-us')).password).toBe('before-rotation-1');
    provider.refresh('app-us');
    expect((await provider.get('app-us')).password).toBe('after-rotation-2');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    now = 100_000;
    await provider.get('app-us');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it('is what the config "aws" builds, and every password it hands out is masked from then on', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'tributary/warehouse' }).resolves({ SecretString: rds('handed-out-pw-77') });
    const provider = createSecretProvider({ provider: 'aws', awsRegion: 'us-east-1', prefix: 'tributary/', ttlSeconds: 300 });
    expect(secretRedactor.scrub('x handed-out-pw-77 y')).toBe('x handed-out-pw-77 y');
    await provider.get('warehouse');
    expect(secretRedactor.scrub('x handed-out-pw-77 y')).toBe('x [redacted] y');
    expect(secretRedactor.scrub('user tributary_reader on db.internal')).toBe('user tributary_reader on db.internal');
  });
});

// AWS Secrets Manager provider: one secret per source per application, RDS-style JSON
// ({ host, port, username, password, dbname, engine }) for PostgreSQL, and the SASL fields
// ({ username, password, mechanism }) for Kafka. Always reads the AWSCURRENT version, so a
// rotated secret is seen after the cache TTL or the next authentication failure.
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretNotFoundError, type Credentials, type SecretSource } from './source.js';

export interface AwsSecretsOptions {
  awsRegion: string;
  /** Prepended to every secret name, e.g. "tributary/prod/"; a full ARN is used as it is. */
  prefix: string;
}

export function secretId(prefix: string, name: string): string {
  return name.startsWith('arn:') ? name : prefix + name;
}

const STRING_FIELDS = ['host', 'username', 'password', 'dbname', 'engine', 'mechanism'] as const;

/**
 * Checks the shape of a secret's JSON without ever quoting a value: errors name the secret and
 * the field only. `port` may be a number or a numeric string (RDS writes a number, people
 * writing by hand often a string).
 */
export function parseCredentials(name: string, text: string): Credentials {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // The JSON error would quote the secret's text: never keep it.
    throw new Error(`secret "${name}" in AWS Secrets Manager is not valid JSON (expected an object with host, port, username, password, dbname)`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`secret "${name}" in AWS Secrets Manager is not a JSON object (expected host, port, username, password, dbname)`);
  }
  const cred = { ...(raw as Record<string, unknown>) } as Credentials;
  for (const field of STRING_FIELDS) {
    if (cred[field] !== undefined && typeof cred[field] !== 'string') throw new Error(`secret "${name}": field "${field}" must be a string`);
  }
  if (cred.port !== undefined) {
    const port = typeof cred.port === 'string' && /^\d+$/.test(cred.port) ? Number(cred.port) : cred.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`secret "${name}": field "port" must be a port number`);
    cred.port = port;
  }
  return cred;
}

export function awsSecrets(opts: AwsSecretsOptions, client = new SecretsManagerClient({ region: opts.awsRegion })): SecretSource {
  return {
    async fetch(name) {
      const id = secretId(opts.prefix, name);
      let out;
      try {
        out = await client.send(new GetSecretValueCommand({ SecretId: id }));
      } catch (err) {
        if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException') {
          throw new SecretNotFoundError(name, `AWS Secrets Manager (${id}, region ${opts.awsRegion})`);
        }
        throw new Error(`secret "${name}": AWS Secrets Manager GetSecretValue on ${id} failed: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
      }
      const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
      if (text === undefined) throw new Error(`secret "${name}" in AWS Secrets Manager (${id}) has no value`);
      return parseCredentials(name, text);
    },
  };
}

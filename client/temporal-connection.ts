// How workers and clients reach the Temporal frontend: the address, TLS (a CA bundle, an mTLS
// client certificate, the server name to check) and a Temporal Cloud API key, from the config's
// files and the `temporal.secret` secret. The options fit both Connection (client) and
// NativeConnection (worker). With an API key TLS is always on: the key never goes in plaintext.
import { createSecretProvider, type SecretProvider } from '../activities/secrets/provider.js';
import { tlsMaterial } from '../activities/secrets/tls.js';
import type { TemporalConfig, TributaryConfig } from '../config/schema.js';

export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

export interface TemporalConnectionOptions {
  address: string;
  tls?: TemporalTls;
  apiKey?: string;
}

/** Pure: the connection options from the temporal config, its TLS material and the secret's API key. */
export function temporalOptions(t: TemporalConfig, material: { ca?: string; cert?: string; key?: string } | undefined, apiKey: string | undefined): TemporalConnectionOptions {
  const out: TemporalConnectionOptions = { address: t.address };
  if (material || apiKey !== undefined) {
    out.tls = {
      ...(t.tls?.serverName ? { serverNameOverride: t.tls.serverName } : {}),
      ...(material?.ca ? { serverRootCACertificate: Buffer.from(material.ca) } : {}),
      ...(material?.cert && material.key ? { clientCertPair: { crt: Buffer.from(material.cert), key: Buffer.from(material.key) } } : {}),
    };
  }
  if (apiKey !== undefined) out.apiKey = apiKey;
  return out;
}

/** Reads the files and the secret; errors name the temporal config and the secret, never a value. */
export async function temporalConnectionOptions(config: Pick<TributaryConfig, 'temporal' | 'secrets'>, secrets: SecretProvider = createSecretProvider(config.secrets)): Promise<TemporalConnectionOptions> {
  const t = config.temporal;
  const cred = t.secret ? await secrets.get(t.secret) : undefined;
  const apiKey = cred?.apiKey;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey === '')) throw new Error(`temporal: field "apiKey" of secret "${t.secret}" must be non-empty text`);
  const hasPem = cred !== undefined && ['tlsCa', 'tlsCert', 'tlsPrivateKey'].some((f) => cred[f] !== undefined);
  const material = t.tls || hasPem ? await tlsMaterial(`temporal ${t.address}`, t.tls, t.secret, cred) : undefined;
  return temporalOptions(t, material, apiKey);
}

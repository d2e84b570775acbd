// Encrypts every Temporal payload (workflow and activity arguments, results, failures' details)
// with AES-256-GCM before it leaves the process, so workflow history on the server holds no key
// values or error texts in the clear. The key id travels in the payload's metadata: a rotation
// adds a key and makes it current, and payloads written under the old key still decode. Keys
// come from the secrets provider (temporal.encryption.secret).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { createSecretProvider, type SecretProvider } from '../activities/secrets/provider.js';
import type { TributaryConfig } from '../config/schema.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const CIPHER = 'AES256GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/** A payload as bytes: its metadata and data, base64 in a JSON object (what gets encrypted). */
function serialize(p: Payload): Buffer {
  const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return Buffer.from(JSON.stringify({ metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') }));
}

function deserialize(b: Buffer): Payload {
  const o = JSON.parse(b.toString('utf8')) as { metadata: Record<string, string>; data: string };
  return { metadata: Object.fromEntries(Object.entries(o.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(o.data, 'base64') };
}

export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly currentKeyId: string,
  ) {
    if (!keys.has(currentKeyId)) throw new Error(`payload encryption: the current key "${currentKeyId}" is not among the keys`);
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentKeyId)!;
    return Promise.resolve(
      payloads.map((p) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        const sealed = Buffer.concat([iv, cipher.update(serialize(p)), cipher.final(), cipher.getAuthTag()]);
        return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), 'encryption-cipher': utf8(CIPHER), 'encryption-key-id': utf8(this.currentKeyId) }, data: sealed };
      }),
    );
  }

  /** Payloads that are not encrypted (written before encryption was turned on) pass unchanged. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((p) => {
        if (text(p.metadata?.encoding) !== ENCRYPTED_ENCODING) return p;
        const id = text(p.metadata?.['encryption-key-id']) ?? '';
        const key = this.keys.get(id);
        if (!key) throw new Error(`payload encryption: no key "${id}" among the keys (${[...this.keys.keys()].join(', ')}); a retired key must stay while histories use it`);
        const data = Buffer.from(p.data ?? new Uint8Array());
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        return deserialize(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]));
      }),
    );
  }
}

/** The codec from the secret { currentKeyId, keys: [{ id, secretKey }] }; errors name the secret and the field, never a key. */
export async function codecFromSecret(secretName: string, secrets: SecretProvider): Promise<AesGcmCodec> {
  const cred = await secrets.get(secretName);
  const where = `payload encryption: secret "${secretName}"`;
  const keys = cred.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${where} needs "keys": a list of { id, secretKey }`);
  const map = new Map<string, Buffer>();
  keys.forEach((k: unknown, i) => {
    const { id, secretKey } = (k ?? {}) as { id?: unknown; secretKey?: unknown };
    if (typeof id !== 'string' || id === '') throw new Error(`${where}: keys[${i}].id must be non-empty text`);
    const bytes = typeof secretKey === 'string' ? Buffer.from(secretKey, 'base64') : Buffer.alloc(0);
    if (bytes.length !== 32) throw new Error(`${where}: keys[${i}].secretKey (key "${id}") must be 32 bytes in base64 (openssl rand -base64 32)`);
    if (map.has(id)) throw new Error(`${where}: key id "${id}" is listed twice`);
    map.set(id, bytes);
  });
  const current = cred.currentKeyId;
  if (typeof current !== 'string' || !map.has(current)) throw new Error(`${where}: "currentKeyId" must name one of the keys (${[...map.keys()].join(', ')})`);
  return new AesGcmCodec(map, current);
}

/** The data converter of workers and clients: the codec when temporal.encryption is set, else the default. */
export async function dataConverterFor(config: Pick<TributaryConfig, 'temporal' | 'secrets'>, secrets: SecretProvider = createSecretProvider(config.secrets)): Promise<{ payloadCodecs?: PayloadCodec[] }> {
  const enc = config.temporal.encryption;
  return enc ? { payloadCodecs: [await codecFromSecret(enc.secret, secrets)] } : {};
}

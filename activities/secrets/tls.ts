// TLS material for one connection: a CA bundle, a client certificate and its key, from files
// named in the config or as PEM text in the secret (tlsCa, tlsCert, tlsPrivateKey). Files are
// read at every connect, so a renewed certificate is used without a restart. Errors name the
// connection and the file or field, never the key's text.
import { readFile } from 'node:fs/promises';
import type { Credentials } from './source.js';

export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

/** The secret's fields holding PEM text (tlsPrivateKey matches the redactor's private-key rule). */
export const SECRET_TLS_FIELDS = { ca: 'tlsCa', cert: 'tlsCert', key: 'tlsPrivateKey' } as const;

async function pemFile(label: string, what: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${label}: the TLS ${what} file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

function pemField(label: string, secret: string | undefined, cred: Credentials | undefined, field: string): string | undefined {
  const v = cred?.[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v.includes('-----BEGIN ')) throw new Error(`${label}: field "${field}" of secret "${secret}" must be PEM text (-----BEGIN ...)`);
  return v;
}

/** The config's files first, else the secret's PEM fields; a certificate needs its key and the other way round. */
export async function tlsMaterial(label: string, files: TlsFiles | undefined, secret?: string, cred?: Credentials): Promise<TlsMaterial> {
  const out: TlsMaterial = {};
  for (const [part, fileKey, what] of [['ca', 'caFile', 'CA bundle'], ['cert', 'certFile', 'client certificate'], ['key', 'keyFile', 'client key']] as const) {
    const path = files?.[fileKey];
    const value = path ? await pemFile(label, what, path) : pemField(label, secret, cred, SECRET_TLS_FIELDS[part]);
    if (value !== undefined) out[part] = value;
  }
  if ((out.cert === undefined) !== (out.key === undefined)) {
    throw new Error(`${label}: a TLS client certificate needs its key and a key its certificate (certFile and keyFile, or the secret's tlsCert and tlsPrivateKey)`);
  }
  return out;
}

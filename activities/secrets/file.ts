// File provider: one JSON object keyed by secret name, read on every fetch so an edited
// (rotated) file is seen after the cache TTL or an auth failure.
import { readFile } from 'node:fs/promises';
import { SecretNotFoundError, type Credentials, type SecretSource } from './source.js';

export function fileSecrets(path: string): SecretSource {
  return {
    async fetch(name) {
      let all: Record<string, Credentials>;
      try {
        all = JSON.parse(await readFile(path, 'utf8')) as Record<string, Credentials>;
      } catch (err) {
        // Never echo the file's text, nor keep it as the cause: V8's JSON errors quote the input.
        const why = err instanceof SyntaxError ? 'it is not valid JSON' : ((err as NodeJS.ErrnoException).code ?? 'unreadable');
        // eslint-disable-next-line preserve-caught-error
        throw new Error(`secrets file ${path} cannot be read: ${why}`);
      }
      const value = all[name];
      if (!value || typeof value !== 'object') throw new SecretNotFoundError(name, `the secrets file ${path}`);
      return value;
    },
  };
}

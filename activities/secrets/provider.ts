// Secret providers map a secret name to credentials. The values never leave this module in a
// log line or an error: errors name the secret, never its contents.
import type { SecretsConfig } from '../../config/schema.js';
import { fileSecrets } from './file.js';
import { envSecrets } from './env.js';
import { awsSecrets } from './aws.js';
import { secretRedactor } from './redact.js';
import type { Credentials, SecretSource } from './source.js';

export { SecretNotFoundError, type Credentials, type SecretSource } from './source.js';

/** A TTL cache in front of a source; `refresh` forces the next read to fetch (after an auth failure). */
export class SecretProvider {
  private readonly cache = new Map<string, { value: Credentials; at: number }>();

  constructor(
    private readonly source: SecretSource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(name: string): Promise<Credentials> {
    const hit = this.cache.get(name);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = await this.source.fetch(name);
    // From now on these values are masked in every log line and activity error of this process.
    secretRedactor.rememberCredentials(value);
    this.cache.set(name, { value, at: this.now() });
    return value;
  }

  refresh(name: string): void {
    this.cache.delete(name);
  }
}

export function createSecretProvider(cfg: SecretsConfig): SecretProvider {
  switch (cfg.provider) {
    case 'file':
      return new SecretProvider(fileSecrets(cfg.path), cfg.ttlSeconds * 1000);
    case 'env':
      return new SecretProvider(envSecrets(cfg.prefix), cfg.ttlSeconds * 1000);
    case 'aws':
      return new SecretProvider(awsSecrets({ awsRegion: cfg.awsRegion, prefix: cfg.prefix }), cfg.ttlSeconds * 1000);
  }
}

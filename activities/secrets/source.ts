// What every secret source (env, file, AWS) implements and throws; the provider caches in front of one.

/** RDS-style secret: host, port, username, password, dbname; for Kafka SASL: username, password, mechanism. */
export interface Credentials {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  dbname?: string;
  /** Kafka SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  mechanism?: string;
  [field: string]: unknown;
}

export interface SecretSource {
  /** Fetches the current value, bypassing any cache. */
  fetch(name: string): Promise<Credentials>;
}

export class SecretNotFoundError extends Error {
  constructor(name: string, where: string) {
    super(`secret "${name}" was not found in ${where}`);
    this.name = 'SecretNotFoundError';
  }
}

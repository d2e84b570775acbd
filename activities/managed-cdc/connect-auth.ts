// Kafka Connect REST basic auth, pure: the Authorization header from the cluster's secret, and
// what a 401 or 403 means. Messages name the cluster and the secret, never the password.
import { ApplicationFailure } from '@temporalio/common';
import type { Credentials } from '../secrets/source.js';

/** "Basic base64(username:password)", or undefined when the secret holds no username/password (TLS only). */
export function basicAuthHeader(url: string, secret: string, cred: Credentials): string | undefined {
  const { username, password } = cred;
  if (username === undefined && password === undefined) return undefined;
  if (typeof username !== 'string' || typeof password !== 'string' || username.length === 0) {
    throw ApplicationFailure.create({ message: `Kafka Connect ${url}: secret "${secret}" needs both username and password for basic auth`, type: 'BadInput', nonRetryable: true });
  }
  // RFC 7617: the user id cannot hold a colon (the first colon ends it).
  if (username.includes(':')) throw ApplicationFailure.create({ message: `Kafka Connect ${url}: the username of secret "${secret}" holds a colon, which basic auth cannot carry`, type: 'BadInput', nonRetryable: true });
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** The refusal message for an HTTP 401 or 403 answer, else undefined. */
export function refusedAccess(url: string, secret: string | undefined, status: number): string | undefined {
  if (status === 401) {
    return secret
      ? `Kafka Connect ${url}: the REST API refused the basic-auth credentials of secret "${secret}" (HTTP 401); check its username and password`
      : `Kafka Connect ${url}: the REST API wants credentials (HTTP 401); name a secret with username and password in the cluster's connect.secret`;
  }
  if (status === 403) return `Kafka Connect ${url}: the REST API denied the request${secret ? ` for the user of secret "${secret}"` : ''} (HTTP 403)`;
  return undefined;
}

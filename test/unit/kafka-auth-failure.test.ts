// The refresh-once rule for Kafka SASL logins (activities/sources/kafka/auth-failure.ts), with the error
// shapes @platformatic/kafka really produces and a real SecretProvider over an in-memory source.
// The same path runs against a real SCRAM listener in test/integration/kafka-secret-rotation.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, ResponseError } from '@platformatic/kafka';
import { isAuthFailure, openWithSecretRefresh } from '../../activities/sources/kafka/auth-failure.js';
import { SecretProvider, type Credentials } from '../../activities/secrets/provider.js';

/** What a Consumer's metadata call throws when the broker refuses the password (as seen on a real broker). */
function refusedLogin(): Error {
  const refused = new ResponseError(36, 2, { '': [58, 'Authentication failed: Invalid user credentials'] }, {});
  const auth = new AuthenticationError('SASL authentication failed.', { cause: refused });
  const network = new NetworkError('Connection to 127.0.0.1:19095 failed.', { cause: auth });
  return new MultipleErrors('metadata failed 6 times.', [new MultipleErrors('Cannot connect to any broker.', [network])]);
}

describe('isAuthFailure', () => {
  it('finds a refused login however deep the client wraps it', () => {
    expect(isAuthFailure(refusedLogin())).toBe(true);
    expect(isAuthFailure(new ProtocolError('SASL_AUTHENTICATION_FAILED'))).toBe(true);
    expect(isAuthFailure(new AuthenticationError('SASL authentication failed.'))).toBe(true);
  });

  it('leaves every other failure alone', () => {
    const refusedConnection = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:19095'), { code: 'ECONNREFUSED' });
    expect(isAuthFailure(new MultipleErrors('Cannot connect to any broker.', [new NetworkError('Connection failed.', { cause: refusedConnection })]))).toBe(false);
    expect(isAuthFailure(new ProtocolError('UNKNOWN_TOPIC_OR_PARTITION'))).toBe(false);
    expect(isAuthFailure(new Error('topic "x" does not exist on cluster us/cell-1'))).toBe(false);
    expect(isAuthFailure(undefined)).toBe(false);
  });
});

describe('openWithSecretRefresh', () => {
  // A broker whose password rotates, and the secret store that holds the current one.
  function rotatingCluster(initial: string) {
    const state = { broker: initial, store: initial };
    const fetches: string[] = [];
    const secrets = new SecretProvider(
      {
        fetch: (name) => {
          fetches.push(name);
          return Promise.resolve<Credentials>({ username: 'reader', password: state.store, mechanism: 'SCRAM-SHA-256' });
        },
      },
      3_600_000,
    );
    const open = vi.fn(async () => {
      const cred = await secrets.get('events-us-cell-1');
      if (cred.password !== state.broker) throw refusedLogin();
      return `connected as ${cred.username}`;
    });
    return { state, fetches, secrets, open };
  }

  it('fetches the secret again once after a refused login and opens with the new password', async () => {
    const c = rotatingCluster('old');
    expect(await openWithSecretRefresh('us/cell-1', 'events-us-cell-1', c.secrets, c.open)).toBe('connected as reader');
    // Rotation: the broker first, then the store; the provider still caches the old password.
    c.state.broker = 'new';
    c.state.store = 'new';
    const refresh = vi.spyOn(c.secrets, 'refresh');
    expect(await openWithSecretRefresh('us/cell-1', 'events-us-cell-1', c.secrets, c.open)).toBe('connected as reader');
    expect(refresh.mock.calls).toEqual([['events-us-cell-1']]);
    expect(c.fetches).toEqual(['events-us-cell-1', 'events-us-cell-1']);
    expect(c.open).toHaveBeenCalledTimes(3);
  });

  it('gives up after one refresh, naming the cluster and the secret but no password', async () => {
    const c = rotatingCluster('old');
    c.state.broker = 'rotated-but-store-not-yet';
    const err = await openWithSecretRefresh('us/cell-1', 'events-us-cell-1', c.secrets, c.open).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('Kafka cluster us/cell-1: SASL authentication failed with secret "events-us-cell-1" (fetched again once)');
    expect(isAuthFailure(err)).toBe(true);
    expect(c.open).toHaveBeenCalledTimes(2);
    expect(c.fetches).toHaveLength(2);
  });

  it('does not refresh on other failures, nor without a secret', async () => {
    const c = rotatingCluster('old');
    const down = new MultipleErrors('Cannot connect to any broker.', [new NetworkError('Connection failed.')]);
    const refresh = vi.spyOn(c.secrets, 'refresh');
    await expect(openWithSecretRefresh('us/cell-1', 'events-us-cell-1', c.secrets, () => Promise.reject(down))).rejects.toBe(down);
    await expect(openWithSecretRefresh('us/cell-2', undefined, c.secrets, () => Promise.reject(refusedLogin()))).rejects.toThrow('Kafka cluster us/cell-2: SASL authentication failed');
    expect(refresh).not.toHaveBeenCalled();
  });
});

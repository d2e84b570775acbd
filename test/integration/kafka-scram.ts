// SCRAM-SHA-256 users on the local Kafka cluster that has a SASL listener (infra/local:
// KAFKA_SASL_CLUSTER/KAFKA_SASL_PORT). Credentials are changed live through the PLAINTEXT
// listener with the AlterUserScramCredentials API (no authorizer runs locally), the way
// `kafka-configs.sh --alter --add-config 'SCRAM-SHA-256=[password=...]'` does it.
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Admin, alterUserScramCredentialsV0, Connection, ScramMechanisms } from '@platformatic/kafka';
import { isAuthFailure } from '../../activities/sources/kafka/auth-failure.js';
import { STACK } from './stack.js';

/** The SASL_PLAINTEXT (SCRAM-SHA-256) listener of Kafka us/cell-1; its PLAINTEXT one is STACK.kafka['us/cell-1']. */
export const KAFKA_SASL_US_CELL_1 = process.env.TRIBUTARY_KAFKA_US_CELL_1_SASL ?? '127.0.0.1:19095';
/** The same cluster's SASL_SSL (SCRAM-SHA-256) listener, and its SSL one that requires a client certificate. */
export const KAFKA_SASL_SSL_US_CELL_1 = process.env.TRIBUTARY_KAFKA_US_CELL_1_SASL_SSL ?? '127.0.0.1:19096';
export const KAFKA_SSL_US_CELL_1 = process.env.TRIBUTARY_KAFKA_US_CELL_1_SSL ?? '127.0.0.1:19097';

const ITERATIONS = 4096;

async function alter(user: string, password: string | null): Promise<void> {
  const [host, port] = STACK.kafka['us/cell-1']!.split(':');
  const connection = new Connection('tributary-test-scram');
  try {
    await connection.connect(host!, Number(port));
    const deletions = password === null ? [{ name: user, mechanism: ScramMechanisms.SCRAM_SHA_256 }] : [];
    const salt = randomBytes(16);
    // SCRAM's Hi() is PBKDF2 with HMAC-SHA-256; the broker stores the salted password only.
    const upsertions = password === null ? [] : [{ name: user, mechanism: ScramMechanisms.SCRAM_SHA_256, iterations: ITERATIONS, salt, saltedPassword: pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256') }];
    const res = await alterUserScramCredentialsV0.api.async(connection, deletions, upsertions);
    const failed = res.results.find((r) => r.errorCode !== 0);
    if (failed) throw new Error(`SCRAM credentials of ${user}: error ${failed.errorCode} ${failed.errorMessage ?? ''}`);
  } finally {
    await connection.close();
  }
}

/** Creates the user or changes its password (live: new connections must use the new one). */
export const setScramPassword = (user: string, password: string) => alter(user, password);

export const deleteScramUser = (user: string) => alter(user, null);

/** Whether the SASL_SSL listener accepts this user and password now (a metadata request on a new connection). */
export async function canLogin(user: string, password: string): Promise<boolean> {
  const admin = new Admin({
    clientId: 'tributary-test-login',
    bootstrapBrokers: [KAFKA_SASL_SSL_US_CELL_1],
    tls: { ca: readFileSync(STACK.tls.caFile, 'utf8') },
    sasl: { mechanism: 'SCRAM-SHA-256', username: user, password },
    retries: 0,
  });
  try {
    await admin.metadata({ topics: [] });
    return true;
  } catch (err) {
    if (isAuthFailure(err)) return false;
    throw err;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

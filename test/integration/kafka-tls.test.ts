// Kafka over TLS against the local stack's us/cell-1 cluster: SCRAM-SHA-256 over its SASL_SSL
// listener, a client certificate on its SSL listener (client auth required), the CA from the
// config's file or the secret's PEM; SASL over plaintext refused unless allowed; a server no
// trusted CA signed refused. The topic is written through the cluster's PLAINTEXT listener.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKafka, type KafkaSource } from '../../activities/sources/kafka/client.js';
import { SecretProvider, type Credentials } from '../../activities/secrets/provider.js';
import type { KafkaEndpoint } from '../../config/resolve.js';
import { deleteScramUser, KAFKA_SASL_SSL_US_CELL_1, KAFKA_SASL_US_CELL_1, KAFKA_SSL_US_CELL_1, setScramPassword } from './kafka-scram.js';
import { createTopic, deleteTopic, produce } from './topic-fixture.js';
import { STACK, uniqueName } from './stack.js';

const CELL = 'us/cell-1';
const topic = uniqueName('tls_tls');
const user = uniqueName('tls_user');
const password = randomBytes(12).toString('hex');
const pem = (f: string) => readFileSync(f, 'utf8');

function endpoint(broker: string, more: Partial<KafkaEndpoint> = {}): KafkaEndpoint {
  return { id: 'events/us/cell-1', source: 'events', region: 'us', cell: 'cell-1', brokers: [broker], secret: 'kafka', ...more };
}
const provider = (cred: Credentials) => new SecretProvider({ fetch: () => Promise.resolve(cred) }, 60_000);

/** Opens, reads the topic's 3 messages and closes: the whole path, not only the handshake. */
async function readAll(e: KafkaEndpoint, cred: Credentials): Promise<string[]> {
  const kafka: KafkaSource = await openKafka(e, provider(cred), 'tributary-test-tls');
  try {
    const [p] = await kafka.partitions(topic);
    const got: string[] = [];
    await kafka.readRange(topic, 0, p!.start, p!.end, (batch) => void got.push(...batch.map((m) => m.value!.toString('utf8'))));
    return got;
  } finally {
    await kafka.close();
  }
}

beforeAll(async () => {
  await createTopic(CELL, topic, 1);
  await produce(CELL, topic, ['a', 'b', 'c'].map((v) => ({ partition: 0, value: JSON.stringify({ v }) })));
  await setScramPassword(user, password);
}, 120_000);

afterAll(async () => {
  await deleteScramUser(user).catch(() => undefined);
  await deleteTopic(CELL, topic);
});

const scram = () => ({ username: user, password, mechanism: 'SCRAM-SHA-256' });
const values = ['{"v":"a"}', '{"v":"b"}', '{"v":"c"}'];

describe('Kafka SASL_SSL with SCRAM', () => {
  it('reads over TLS with the CA file from the config', async () => {
    expect(await readAll(endpoint(KAFKA_SASL_SSL_US_CELL_1, { tls: { caFile: STACK.tls.caFile } }), scram())).toEqual(values);
  });

  it('reads over TLS with ssl: true and the CA as PEM in the secret', async () => {
    expect(await readAll(endpoint(KAFKA_SASL_SSL_US_CELL_1), { ...scram(), ssl: true, tlsCa: pem(STACK.tls.caFile) })).toEqual(values);
  });

  it('refuses to send a SASL password without TLS, before connecting, unless the cluster allows it', async () => {
    const refused = openKafka(endpoint(KAFKA_SASL_US_CELL_1), provider(scram()));
    await expect(refused).rejects.toMatchObject({ nonRetryable: true, type: 'BadInput' });
    await expect(refused).rejects.toThrow(/events\/us\/cell-1: the SASL password of secret "kafka" would travel in plaintext/);
    expect(await readAll(endpoint(KAFKA_SASL_US_CELL_1, { allowPlaintextSasl: true }), scram())).toEqual(values);
  });

  it('names the cluster and secret when the password is wrong over TLS', async () => {
    await expect(readAll(endpoint(KAFKA_SASL_SSL_US_CELL_1, { tls: { caFile: STACK.tls.caFile } }), { ...scram(), password: 'wrong-password' })).rejects.toThrow(
      'Kafka cluster events/us/cell-1: SASL authentication failed with secret "kafka" (fetched again once)',
    );
  });

  it('refuses a broker whose certificate no trusted CA signed (Node\'s public roots)', async () => {
    const refused = readAll(endpoint(KAFKA_SASL_SSL_US_CELL_1, { tls: {} }), scram());
    await expect(refused).rejects.toMatchObject({ nonRetryable: true, type: 'BadInput' });
    await expect(refused).rejects.toThrow(/^Kafka cluster events\/us\/cell-1: the broker's TLS certificate is not accepted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/);
  });

  it('refuses a broker reached by a name its certificate does not carry (tls.serverName)', async () => {
    const wrongName = readAll(endpoint(KAFKA_SASL_SSL_US_CELL_1, { tls: { caFile: STACK.tls.caFile, serverName: 'kafka.example.com' } }), scram());
    await expect(wrongName).rejects.toThrow(/certificate is not accepted \(ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});

describe('Kafka SSL with a client certificate (mTLS)', () => {
  it('reads with the client certificate and key as files from the config', async () => {
    expect(await readAll(endpoint(KAFKA_SSL_US_CELL_1, { tls: STACK.tls }), {})).toEqual(values);
  });

  it('reads with the client certificate and key as PEM in the secret', async () => {
    const cred = { ssl: true, tlsCa: pem(STACK.tls.caFile), tlsCert: pem(STACK.tls.certFile), tlsPrivateKey: pem(STACK.tls.keyFile) };
    expect(await readAll(endpoint(KAFKA_SSL_US_CELL_1), cred)).toEqual(values);
  });

  it('is refused without a client certificate', async () => {
    // TLS 1.3: the broker closes the connection once the handshake is done (retried, then given up).
    await expect(readAll(endpoint(KAFKA_SSL_US_CELL_1, { tls: { caFile: STACK.tls.caFile } }), {})).rejects.toThrow(/failed 6 times/);
  });

  it('needs the key with the certificate, naming the cluster', async () => {
    await expect(openKafka(endpoint(KAFKA_SSL_US_CELL_1, { tls: { caFile: STACK.tls.caFile, certFile: STACK.tls.certFile } }), provider({}))).rejects.toThrow(
      /^Kafka cluster events\/us\/cell-1: a TLS client certificate needs its key/,
    );
  });
});

// The TLS and SASL options of a Kafka client, from the cluster's config and its secret. Pure.
// TLS is on when the config has a tls block, or the secret says ssl: true or carries TLS PEM.
// A SASL password goes over TLS only, unless the cluster is explicitly allowed plaintext
// (a local test cluster). AWS MSK IAM (auth on the cluster) is SASL OAUTHBEARER with a fresh
// signed token per authentication, over TLS only. The options used (tls, tlsServerName, sasl) are the base client
// options of @platformatic/kafka; this file is the one place that builds them.
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ApplicationFailure } from '@temporalio/common';
import type { KafkaEndpoint } from '../../../config/resolve.js';
import type { Credentials } from '../../secrets/source.js';
import { SECRET_TLS_FIELDS, type TlsMaterial } from '../../secrets/tls.js';
import { mskIamTokenProvider } from './msk-iam.js';

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaConnectionOptions {
  tls?: ConnectionOptions;
  /** true: SNI (and the name checked) is each broker's host; a string: that name. */
  tlsServerName?: string | boolean;
  sasl?: { mechanism: SaslMechanism; username: string; password: string } | { mechanism: 'OAUTHBEARER'; token: () => Promise<string> };
}

/** Whether this cluster connects with TLS (before any file is read). */
export function wantsTls(e: KafkaEndpoint, cred: Credentials | undefined): boolean {
  return e.tls !== undefined || cred?.ssl === true || Object.values(SECRET_TLS_FIELDS).some((f) => cred?.[f] !== undefined);
}

function refuse(message: string): never {
  // Config or secret content: the same on every attempt.
  throw ApplicationFailure.create({ message, type: 'BadInput', nonRetryable: true });
}

export function kafkaConnectionOptions(e: KafkaEndpoint, cred: Credentials | undefined, material: TlsMaterial | undefined): KafkaConnectionOptions {
  const out: KafkaConnectionOptions = {};
  if (material) {
    out.tls = { ...(material.ca ? { ca: material.ca } : {}), ...(material.cert ? { cert: material.cert, key: material.key } : {}) };
    const name = e.tls?.serverName;
    if (name) out.tlsServerName = name;
    else if (e.brokers.every((b) => isIP(b.slice(0, b.lastIndexOf(':'))) === 0)) out.tlsServerName = true;
  }
  if (e.auth) {
    // The schema refuses aws-msk-iam without tls; a secret's SASL user would be a second, conflicting login.
    if (!material) refuse(`Kafka cluster ${e.id}: auth mechanism "aws-msk-iam" needs TLS (tls on the cluster): MSK takes IAM tokens on its TLS listener only`);
    if (cred && (cred.username !== undefined || cred.password !== undefined)) refuse(`Kafka cluster ${e.id}: secret "${e.secret}" holds a SASL username or password, but the cluster's auth is "aws-msk-iam": keep only TLS fields in that secret`);
    out.sasl = { mechanism: 'OAUTHBEARER', token: mskIamTokenProvider(e.id, e.auth) };
    return out;
  }
  if (cred && (typeof cred.username === 'string' || typeof cred.password === 'string')) {
    if (typeof cred.username !== 'string' || typeof cred.password !== 'string') refuse(`Kafka cluster ${e.id}: secret "${e.secret}" needs both username and password for SASL`);
    const mechanism = cred.mechanism ?? 'SCRAM-SHA-512';
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      refuse(`Kafka cluster ${e.id}: field "mechanism" of secret "${e.secret}" must be one of ${SASL_MECHANISMS.join(', ')}, got "${mechanism}"`);
    }
    if (!material && !e.allowPlaintextSasl) {
      refuse(
        `Kafka cluster ${e.id}: the SASL password of secret "${e.secret}" would travel in plaintext; turn TLS on (tls on the cluster, or ssl: true in the secret), or set allowPlaintextSasl: true for a local test cluster`,
      );
    }
    out.sasl = { mechanism: mechanism as SaslMechanism, username: cred.username, password: cred.password };
  }
  return out;
}

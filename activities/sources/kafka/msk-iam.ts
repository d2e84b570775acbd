// AWS MSK IAM auth: the SASL OAUTHBEARER token is a SigV4-presigned kafka-cluster:Connect URL
// (base64url), made by AWS's own signer (aws-msk-iam-sasl-signer-js) from the default credential
// chain, or by assuming the configured role. The client asks for a token at every authentication
// (each new connection, and each re-authentication the broker asks for before the session it
// granted ends), so a token is never reused past its 15 minutes and rotated keys are picked up.
import { ApplicationFailure } from '@temporalio/common';
import { generateAuthToken, generateAuthTokenFromCredentialsProvider, generateAuthTokenFromRole } from 'aws-msk-iam-sasl-signer-js';
import type { KafkaAuthConfig } from '../../../config/schema.js';
import { secretRedactor } from '../../secrets/redact.js';

type CredentialsProvider = Parameters<typeof generateAuthTokenFromCredentialsProvider>[0]['awsCredentialsProvider'];

/** A function the Kafka client calls for a fresh token; `credentials` replaces the default chain (tests). */
export function mskIamTokenProvider(cluster: string, auth: KafkaAuthConfig, credentials?: CredentialsProvider): () => Promise<string> {
  return async () => {
    let token: string;
    try {
      ({ token } = credentials
        ? await generateAuthTokenFromCredentialsProvider({ region: auth.region, awsCredentialsProvider: credentials })
        : auth.roleArn
          ? await generateAuthTokenFromRole({ region: auth.region, awsRoleArn: auth.roleArn, ...(auth.roleSessionName ? { awsRoleSessionName: auth.roleSessionName } : {}) })
          : await generateAuthToken({ region: auth.region }));
    } catch (err) {
      // No credentials in the chain, or the role cannot be assumed: names the cluster; the chain's own message says what it tried.
      throw ApplicationFailure.create({ message: `Kafka cluster ${cluster}: no AWS MSK IAM token (region ${auth.region}${auth.roleArn ? `, role ${auth.roleArn}` : ''}): ${(err as Error).message}`, type: 'MskIamToken', cause: err as Error });
    }
    // The token is a bearer credential: masked wherever it might be printed.
    secretRedactor.remember(token);
    return token;
  };
}

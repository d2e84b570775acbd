// A Kafka connection that failed in the TLS handshake over the broker's certificate: the client wraps
// Node's TLS error (causes, aggregated errors) in generic network errors, so the reason is dug
// out and reported naming the cluster; a certificate a retry cannot fix fails at once. (A broker
// that wants a client certificate it did not get closes the connection after a TLS 1.3
// handshake: that shows only as a closed connection.) Pure.
import { ApplicationFailure } from '@temporalio/common';

/** Node's (OpenSSL's) codes for a certificate the client does not accept. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The first certificate error code in an error's chain, if any. */
export function certificateFailure(err: unknown, depth = 0): { code: string; message: string } | undefined {
  if (!err || typeof err !== 'object' || depth > 10) return undefined;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && CERTIFICATE_CODES.has(e.code)) return { code: e.code, message: String(e.message) };
  for (const inner of Array.isArray(e.errors) ? e.errors : []) {
    const found = certificateFailure(inner, depth + 1);
    if (found) return found;
  }
  return certificateFailure(e.cause, depth + 1);
}

/** A non-retryable failure naming the cluster when `err` is a refused certificate, else `err` itself. */
export function explainCertificateFailure(cluster: string, err: unknown): unknown {
  const found = certificateFailure(err);
  if (!found) return err;
  return ApplicationFailure.create({
    message: `Kafka cluster ${cluster}: the broker's TLS certificate is not accepted (${found.code}: ${found.message}); give the cluster's CA bundle (tls.caFile, or tlsCa in the secret) or check tls.serverName`,
    type: 'BadInput',
    nonRetryable: true,
    cause: err as Error,
  });
}

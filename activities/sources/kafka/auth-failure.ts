// A Kafka SASL login refused with a cached password: the secret may have rotated. The secret is
// fetched again once and the connection opened again, as for PostgreSQL (postgres/connect.ts).

/** True when a Kafka client error, or one it wraps (causes, aggregated errors), is a refused SASL login. */
export function isAuthFailure(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 10) return false;
  const e = err as { code?: unknown; apiId?: unknown; cause?: unknown; errors?: unknown };
  if (e.code === 'PLT_KFK_AUTHENTICATION' || e.apiId === 'SASL_AUTHENTICATION_FAILED') return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isAuthFailure(x, depth + 1))) return true;
  return isAuthFailure(e.cause, depth + 1);
}

/**
 * Runs `open`; when it fails on authentication and a secret is named, drops the cached secret
 * and runs `open` once more. A second refusal is reported naming the cluster and the secret.
 */
export async function openWithSecretRefresh<T>(
  cluster: string,
  secret: string | undefined,
  secrets: { refresh(name: string): void },
  open: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await open();
    } catch (err) {
      if (!isAuthFailure(err)) throw err;
      if (secret && attempt === 0) {
        secrets.refresh(secret);
        continue;
      }
      throw new Error(`Kafka cluster ${cluster}: SASL authentication failed${secret ? ` with secret "${secret}" (fetched again once)` : ''}`, { cause: err });
    }
  }
}

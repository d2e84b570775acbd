// Keeps secrets out of logs, errors and workflow history. Two nets: every value a secret
// provider has handed out is remembered and replaced wherever it appears (in any encoding we
// emit: raw, JSON-escaped, URL-encoded), and text that looks like a credential (a password
// in a connection string, `password=...`, a "password" JSON field) is masked even when its
// value was never seen.

export const REDACTED = '[redacted]';

/** Field names whose values are secret wherever they appear (case-insensitive, any nesting). */
export const SENSITIVE_KEY = /pass(word|wd|phrase)?$|^pwd$|secret(string|key|accesskey)?$|token$|credentials?$|api[-_]?key$|private[-_]?key$|connection[-_]?string$|^dsn$/i;

/** Shorter values are not remembered: masking every "app" or "us" would make logs useless. */
const MIN_REMEMBERED_LENGTH = 4;

const KEYS =
  'password|passwd|pwd|passphrase|secret|secretString|secretAccessKey|secret_access_key|aws_secret_access_key|sessionToken|session_token|token|apiKey|api_key|connectionString|connection_string|sasl_password|saslPassword';

const PATTERNS: [RegExp, string][] = [
  // An HTTP Authorization header's value (Basic base64(user:password), Bearer token)
  [/(\bauthorization"?\s*[=:]\s*"?)(?:basic|bearer)\s+[^\s"',;]+/gi, `$1${REDACTED}`],
  // scheme://user:password@host (postgres://, kafka://, amqp://, ...)
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']*:)([^\s@/"']+)(@)/gi, `$1${REDACTED}$3`],
  // "password": "..." inside JSON text (a log line, an error message quoting JSON)
  [new RegExp(`("(?:${KEYS})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  // password="..." in a Kafka SASL JAAS config (ScramLoginModule required username="u" password="p";)
  // (also JSON-escaped, password=\"p\", as it stands inside a log line)
  [new RegExp(`(\\b(?:${KEYS})\\s*=\\s*)(\\\\?")(?:(?!\\\\?").)*\\\\?"`, 'gi'), `$1$2${REDACTED}$2`],
  // An AWS access key id (long-term AKIA…, temporary ASIA…)
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  // password=... / password: ... in libpq conninfo, JDBC URLs, SASL configs, query strings
  [new RegExp(`(\\b(?:${KEYS})\\s*[=:]\\s*)(?!\\s|\\\\?"|${escape(REDACTED)})('[^']*'|[^\\s,;&"'}\\]]+)`, 'gi'), `$1${REDACTED}`],
];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class SecretRedactor {
  private readonly values = new Set<string>();
  /** Longest first, so a secret that contains another is replaced whole. */
  private ordered: string[] = [];

  /** Remembers one secret value (and the forms it takes once JSON-escaped or URL-encoded). */
  remember(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_REMEMBERED_LENGTH) return;
    const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
    let added = false;
    for (const f of forms) {
      if (!this.values.has(f)) {
        this.values.add(f);
        added = true;
      }
    }
    if (added) this.ordered = [...this.values].sort((a, b) => b.length - a.length);
  }

  /** Remembers every sensitive field of a credentials object (nested ones too, e.g. sasl.password). */
  rememberCredentials(cred: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(cred)) {
      if (value && typeof value === 'object') this.rememberCredentials(value as Record<string, unknown>);
      else if (SENSITIVE_KEY.test(key)) this.remember(value);
    }
  }

  /** Text with every remembered secret and every credential-looking value masked. */
  scrub(text: string): string {
    let out = text;
    for (const v of this.ordered) if (out.includes(v)) out = out.split(v).join(REDACTED);
    for (const [re, to] of PATTERNS) out = out.replace(re, to);
    return out;
  }

  /**
   * An activity's result with every string scrubbed and its shape kept: arrays and plain objects
   * are copied, anything else (numbers, dates, bytes) passes as it is. Unlike scrubValue, no field
   * is masked by its name: a result names secrets (a server's `secret: "app-us"`) that the next
   * activity must still find.
   */
  scrubData<T>(value: T, depth = 0): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (depth > 32 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v: unknown) => this.scrubData(v, depth + 1)) as T;
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.scrubData(v, depth + 1);
    return out as T;
  }

  /** A copy of a JSON-like value with sensitive fields masked and every string scrubbed. */
  scrubValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v, depth + 1));
    if (value instanceof Error) return this.scrubError(value);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE_KEY.test(k) && v != null && typeof v !== 'object' ? REDACTED : this.scrubValue(v, depth + 1);
    return out;
  }

  /**
   * Scrubs an error in place (message, stack, and its causes), so it can be rethrown as the
   * same object: Temporal turns it into a failure in workflow history, type and all.
   */
  scrubError<E>(err: E, seen = new Set<unknown>()): E {
    if (!(err instanceof Error) || seen.has(err)) return err;
    seen.add(err);
    err.message = this.scrub(err.message);
    if (err.stack) err.stack = this.scrub(err.stack);
    const details = (err as { details?: unknown }).details;
    if (Array.isArray(details)) (err as { details?: unknown }).details = details.map((d) => this.scrubValue(d));
    if (err.cause !== undefined) err.cause = err.cause instanceof Error ? this.scrubError(err.cause, seen) : this.scrubValue(err.cause);
    return err;
  }
}

/**
 * The process-wide redactor: secret providers feed it, the logger and the activity interceptor
 * read it. One per process because a secret handed to any activity must be masked in every log.
 */
export const secretRedactor = new SecretRedactor();

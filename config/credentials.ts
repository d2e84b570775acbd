// Credentials have one home, the secret a field names; a host, an S3 endpoint or a metrics tag
// is printed in logs, status output and metric backends. These checks refuse text that carries
// a password, a token or an AWS key there, and the message says where it belongs.

const URL_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;
const KEY_VALUE = /\b(password|passwd|pwd|passphrase|secret|token|api[-_]?key|access[-_]?key(?:[-_]?id)?|secret[-_]?access[-_]?key|sasl[\w.-]*|x-amz-(?:credential|signature|security-token))\s*[=:]/i;
const AWS_ACCESS_KEY = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/;
/** Tag names that announce a secret value. */
const SECRET_NAME = /pass(word|wd|phrase)?|^pwd$|secret|token|credential|api[-_]?key|access[-_]?key|private[-_]?key|^dsn$|connection[-_]?string/i;

/** What credential-looking thing `text` holds, or undefined. */
export function credentialIn(text: string): string | undefined {
  if (URL_USERINFO.test(text)) return 'a user name or password in a URL';
  if (AWS_ACCESS_KEY.test(text)) return 'an AWS access key';
  const kv = KEY_VALUE.exec(text);
  if (kv) return `a "${kv[1]}" setting`;
  return undefined;
}

/** Why a host name is refused: a URL, user@host or a credential inside it. */
export function hostProblem(host: string, home: string): string | undefined {
  const found = credentialIn(host) ?? (host.includes('@') ? 'a user name (user@host)' : undefined);
  if (found) return `expected a host name only, but it holds ${found}: credentials belong in ${home}`;
  if (/:\/\/|[/?#\s]/.test(host) && !host.startsWith('/')) return 'expected a host name or address only, without a scheme, path or spaces';
  return undefined;
}

/** Why an S3 endpoint URL is refused: credentials in its user part or its query string. */
export function endpointProblem(endpoint: string): string | undefined {
  const found = credentialIn(endpoint) ?? (endpoint.includes('?') ? 'a query string' : undefined);
  if (found) return `expected an endpoint URL without credentials, but it holds ${found}: the access key belongs in the stage's secret (accessKeyId, secretAccessKey)`;
  return undefined;
}

/** Why a metrics tag is refused: a secret-sounding name or a credential in its value. */
export function tagProblem(name: string, value: string): string | undefined {
  const found = SECRET_NAME.test(name) ? 'a name that announces a secret' : credentialIn(value);
  if (found) return `expected tags without credentials, but "${name}" holds ${found}: tags go to the metrics backend in clear; credentials belong in a secret`;
  return undefined;
}

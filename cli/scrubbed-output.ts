// Everything the CLI prints passes the secret scrub: tables, JSON, status output, progress and
// error messages. One exit, so a command printing a failure it read from Temporal or a connection
// error of its own cannot show a password.
import { secretRedactor, type SecretRedactor } from '../activities/secrets/redact.js';

type Write = NodeJS.WriteStream['write'];

/** Wraps a stream's write so each string or UTF-8 chunk is scrubbed first. */
export function scrubWrites(stream: { write: Write }, redactor: SecretRedactor = secretRedactor): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : undefined;
    return text === undefined ? write(chunk, ...rest) : write(redactor.scrub(text), ...rest);
  });
}

/** Scrubs the process's stdout and stderr. */
export function scrubProcessOutput(): void {
  scrubWrites(process.stdout);
  scrubWrites(process.stderr);
}

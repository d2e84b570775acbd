// Redaction of secrets: the redactor (remembered values and credential-looking text), errors
// scrubbed in place before they reach workflow history, and the pino logger's output as a
// worker writes it (captured from its destination, not mocked).
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { SecretRedactor } from '../../activities/secrets/redact.js';
import { TemporalPinoLogger, createLogger } from '../../workers/logging.js';
import { logAttributes } from '../../workers/activity-interceptor.js';

function capture() {
  const lines: string[] = [];
  return { destination: { write: (s: string) => void lines.push(s) }, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('SecretRedactor', () => {
  it('masks a remembered value raw, JSON-escaped and URL-encoded, longest first', () => {
    const r = new SecretRedactor();
    r.remember('p@ss"word/1');
    r.remember('p@ss');
    expect(r.scrub('raw p@ss"word/1 end')).toBe('raw [redacted] end');
    expect(r.scrub(JSON.stringify({ note: 'x p@ss"word/1 y' }))).toBe('{"note":"x [redacted] y"}');
    expect(r.scrub(`url ${encodeURIComponent('p@ss"word/1')}`)).toBe('url [redacted]');
    expect(r.scrub('short p@ss')).toBe('short [redacted]');
  });

  it('does not remember values too short to be secret nor non-strings', () => {
    const r = new SecretRedactor();
    r.remember('us');
    r.remember(12345);
    expect(r.scrub('us 12345')).toBe('us 12345');
  });

  it('remembers only the secret fields of credentials, nested ones too', () => {
    const r = new SecretRedactor();
    r.rememberCredentials({ host: 'db.internal', username: 'reader', password: 'pg-pass-1', dbname: 'app', sasl: { password: 'sasl-pass-2' }, apiKey: 'key-3333' });
    expect(r.scrub('reader@db.internal/app pg-pass-1 sasl-pass-2 key-3333')).toBe('reader@db.internal/app [redacted] [redacted] [redacted]');
  });

  it('masks credentials in text it has never seen: URLs, conninfo, JSON fields', () => {
    const r = new SecretRedactor();
    expect(r.scrub('postgres://reader:s3cr3t@db:5432/app')).toBe('postgres://reader:[redacted]@db:5432/app');
    expect(r.scrub('host=db user=reader password=s3cr3t dbname=app')).toBe('host=db user=reader password=[redacted] dbname=app');
    expect(r.scrub("password='with space' x")).toBe('password=[redacted] x');
    expect(r.scrub('{"password":"s3\\"cr3t","token":"abc","user":"u"}')).toBe('{"password":"[redacted]","token":"[redacted]","user":"u"}');
    expect(r.scrub('SASL: sasl_password: hunter22, next')).toBe('SASL: sasl_password: [redacted], next');
    // What must survive: PostgreSQL's own auth error, a plain URL with a port.
    expect(r.scrub('password authentication failed for user "reader"')).toBe('password authentication failed for user "reader"');
    expect(r.scrub('http://127.0.0.1:8233/namespaces/default')).toBe('http://127.0.0.1:8233/namespaces/default');
  });

  it('scrubs an error in place: message, stack, cause chain and failure details', () => {
    const r = new SecretRedactor();
    r.remember('leaked-pw-42');
    const cause = new Error('inner: leaked-pw-42');
    const failure = ApplicationFailure.create({ message: 'outer leaked-pw-42', details: [{ password: 'x', note: 'leaked-pw-42' }], cause, nonRetryable: true });
    const same = r.scrubError(failure);
    expect(same).toBe(failure);
    expect(failure.message).toBe('outer [redacted]');
    expect(failure.stack).not.toContain('leaked-pw-42');
    expect(failure.details).toEqual([{ password: '[redacted]', note: '[redacted]' }]);
    expect(cause.message).toBe('inner: [redacted]');
    expect(failure.nonRetryable).toBe(true);
  });
});

describe('worker logger', () => {
  it('writes JSON lines, masks secret fields at any depth and remembered values anywhere', () => {
    const redactor = new SecretRedactor();
    redactor.remember('logged-pw-99');
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.destination, redactor, bindings: { workerRegion: 'us' } });
    logger.info({ pipeline: 'orders', cred: { password: 'logged-pw-99', username: 'reader' }, deep: { a: { b: { note: 'has logged-pw-99 inside' } } } }, 'connecting with logged-pw-99');
    logger.error({ err: new Error('failed: postgres://reader:logged-pw-99@db/app') }, 'boom');
    logger.debug('below the level');
    expect(out.lines).toHaveLength(2);
    expect(out.lines.join('\n')).not.toContain('logged-pw-99');
    const [first, second] = out.json();
    expect(first).toMatchObject({ level: 'info', pipeline: 'orders', workerRegion: 'us', msg: 'connecting with [redacted]', cred: { password: '[redacted]', username: 'reader' } });
    expect(second).toMatchObject({ level: 'error', msg: 'boom', err: { message: 'failed: postgres://reader:[redacted]@db/app' } });
  });

  it("adapts Temporal's logger: levels, metadata as fields, errors serialised", () => {
    const out = capture();
    const t = new TemporalPinoLogger(createLogger({ level: 'debug', destination: out.destination, redactor: new SecretRedactor() }));
    t.info('Activity completed', { workflowId: 'tributary/sync/orders/us-1', activityType: 'mergeStaged', pipeline: 'orders', region: 'us', [Symbol('ts')]: 1n });
    t.warn('Activity failed', { error: new Error('nope') });
    t.trace('dropped');
    const [a, b] = out.json();
    expect(a).toMatchObject({ level: 'info', msg: 'Activity completed', workflowId: 'tributary/sync/orders/us-1', activityType: 'mergeStaged', pipeline: 'orders', region: 'us' });
    expect(b).toMatchObject({ level: 'warn', msg: 'Activity failed', error: { message: 'nope', type: 'Error' } });
    expect(out.lines).toHaveLength(2);
  });
});

describe('activity log attributes', () => {
  it('takes pipeline, region, source and cell from an activity input of any shape', () => {
    expect(logAttributes({ pipeline: 'orders', region: 'us', runId: 'r' })).toEqual({ pipeline: 'orders', region: 'us' });
    expect(logAttributes({ unit: { pipeline: 'clicks', region: 'eu', source: 'events/eu/cell-1', cell: 'cell-1' }, rows: 3 })).toEqual({
      pipeline: 'clicks', region: 'eu', source: 'events/eu/cell-1', cell: 'cell-1',
    });
    expect(logAttributes(undefined)).toEqual({});
    expect(logAttributes({ pipeline: 7 })).toEqual({});
  });
});

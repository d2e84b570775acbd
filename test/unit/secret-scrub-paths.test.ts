// The one scrub (SecretRedactor.scrub) on every path out of a process, each fed the four kinds of
// credential: a connection string, a libpq DSN with a password, a Kafka SASL JAAS config and an
// AWS key pair. Paths: activity results and errors (the worker's interceptor), log lines (the
// pino logger as a worker builds it), metric tags (statsd lines and Prometheus labels) and
// everything the CLI prints. History and the CLI's real output are checked against the real
// Temporal server in test/integration/secret-leak.test.ts.
import StatsD from 'hot-shots';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { SecretRedactor } from '../../activities/secrets/redact.js';
import { PrometheusMetrics } from '../../activities/metrics/prometheus.js';
import { StatsdMetrics } from '../../activities/metrics/statsd.js';
import { activityInterceptors } from '../../workers/activity-interceptor.js';
import { createLogger } from '../../workers/logging.js';
import { scrubWrites } from '../../cli/scrubbed-output.js';

const SECRETS = ['cs-pass-1111', 'dsn-pass-2222', 'sasl-pass-3333', 'AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'];
const FORMS = {
  'a connection string': 'postgres://reader:cs-pass-1111@db.internal:5432/app',
  'a DSN with a password': "host=db.internal user=reader password='dsn-pass-2222' dbname=app",
  'a SASL config': 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="reader" password="sasl-pass-3333";',
  'an AWS key': 'aws_access_key_id=AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const cases = Object.entries(FORMS);

function expectClean(text: string): void {
  expect(SECRETS.filter((s) => text.includes(s)), text).toEqual([]);
  expect(text).toContain('[redacted]');
}

/** Runs one activity through the worker's interceptor: what it returns, or what it throws. */
async function throughInterceptor(redactor: SecretRedactor, run: () => Promise<unknown>): Promise<unknown> {
  const interceptor = activityInterceptors(redactor)({} as never);
  return interceptor.inbound!.execute!({ args: [{ pipeline: 'orders', region: 'us' }], headers: {} }, run).then(
    (v) => v,
    (e: unknown) => e,
  );
}

describe.each(cases)('%s', (_what, form) => {
  const redactor = new SecretRedactor();

  it('is scrubbed from text, raw and JSON-escaped', () => {
    expectClean(redactor.scrub(`connect failed: ${form}`));
    expectClean(redactor.scrub(JSON.stringify({ msg: `connect failed: ${form}` })));
  });

  it('is scrubbed from an activity result, whose shape and other values stay', async () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const result = (await throughInterceptor(redactor, () =>
      Promise.resolve({ units: [{ endpoint: { secret: 'app-us' }, at, rows: 3 }], failures: [{ source: 'app/us', message: `pipeline orders, source app/us: ${form}`, badInput: false }] }),
    )) as { units: { endpoint: { secret: string }; at: Date; rows: number }[]; failures: { message: string }[] };
    expectClean(JSON.stringify(result));
    expect(result.units[0]).toEqual({ endpoint: { secret: 'app-us' }, at, rows: 3 });
    expect(result.units[0]!.at).toBe(at);
  });

  it('is scrubbed from an activity error and its cause', async () => {
    const err = await throughInterceptor(redactor, () => Promise.reject(ApplicationFailure.create({ message: `plan failed: ${form}`, cause: new Error(form) })));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expectClean(`${(err as Error).message}\n${(err as Error).stack}\n${((err as Error).cause as Error).message}`);
  });

  it('is scrubbed from log lines, in the message and in fields', () => {
    const lines: string[] = [];
    const log = createLogger({ destination: { write: (s: string) => void lines.push(s) }, redactor, level: 'info' });
    log.warn({ error: form, source: { note: form } }, `source not planned: ${form}`);
    expect(lines).toHaveLength(1);
    expectClean(lines[0]!);
  });

  it('is scrubbed from metric tags, statsd and Prometheus', async () => {
    const client = new StatsD({ mock: true, prefix: 'tributary.' });
    const statsd = new StatsdMetrics({ host: 'unused', port: 1, prefix: 'unused' }, client);
    const tags = { pipeline: 'orders', region: 'us', source: form, kind: 'fact' };
    statsd.batch(tags, { read: 1, staged: 1, inserted: 1, updated: 0, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }, 10);
    expect(client.mockBuffer?.length).toBeGreaterThan(0);
    expect(SECRETS.filter((s) => (client.mockBuffer ?? []).join('\n').includes(s))).toEqual([]);
    const prom = new PrometheusMetrics();
    prom.batch(tags, { read: 1, staged: 1, inserted: 1, updated: 0, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 }, 10);
    expectClean(await prom.registry.metrics());
  });

  it('is scrubbed from what the CLI prints (status tables, JSON and errors alike)', () => {
    const written: string[] = [];
    const stream = { write: ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as NodeJS.WriteStream['write'] };
    scrubWrites(stream, redactor);
    stream.write(`pipeline  state   detail\norders    failed  lag unknown: source app/us: ${form}\n`);
    stream.write(Buffer.from(`tributary: Workflow execution failed: ${form}\n`));
    expect(written).toHaveLength(2);
    expectClean(written.join(''));
  });
});

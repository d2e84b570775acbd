import { describe, expect, it } from 'vitest';
import { problemsOf, type Edit } from './config-hardening-base.js';

const server = ['sources', 'app', 'servers', 0] as const;
const s3 = (endpoint: string) => ({ type: 's3', bucket: 'bkt', awsRegion: 'us-east-1', endpoint });

describe('credentials outside their secret', () => {
  it.each<[string, Edit[], RegExp]>([
    ['a server host with user:password', [[[...server, 'host'], 'postgres://reader:hunter2@db.internal']], /^sources\.app\.servers\[0\]\.host: .*a user name or password in a URL: credentials belong in the server's secret/],
    ['a server host with user@', [[[...server, 'host'], 'reader@db.internal']], /host: .*user name \(user@host\): credentials belong in the server's secret/],
    ['a libpq DSN in a host', [[[...server, 'host'], 'host=db password=hunter2']], /host: .*"password" setting: credentials belong in the server's secret/],
    ['a primary host with a password', [[[...server, 'primary'], { host: 'u:hunter2@primary' }]], /primary\.host: .*credentials belong in the server's secret/],
    ['a warehouse host with a password', [[['warehouse', 'host'], 'postgresql://w:pw@wh']], /^warehouse\.host: .*credentials belong in the warehouse's secret/],
    ['a broker with SASL credentials', [[['sources', 'events', 'clusters', 0, 'brokers'], ['user:secret@b1:9092']]], /brokers\[0\]: .*credentials belong in the cluster's secret/],
    ['an S3 endpoint with user info', [[['stage'], s3('http://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI@127.0.0.1:59000')]], /^stage\.endpoint: .*the access key belongs in the stage's secret/],
    ['an S3 endpoint with a signed query', [[['stage'], s3('https://s3.example.com/?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE')]], /^stage\.endpoint: .*belongs in the stage's secret/],
    ['an AWS key in a metrics tag', [[['metrics'], { statsd: { tags: { owner: 'AKIAIOSFODNN7EXAMPLE' } } }]], /^metrics\.statsd\.tags\.owner: .*an AWS access key: tags go to the metrics backend in clear; credentials belong in a secret/],
    ['a SASL config in a metrics tag', [[['metrics'], { statsd: { tags: { kafka: 'sasl.password=hunter2' } } }]], /^metrics\.statsd\.tags\.kafka: .*credentials belong in a secret/],
    ['a password-named metrics tag', [[['metrics'], { statsd: { tags: { db_password: 'x' } } }]], /^metrics\.statsd\.tags\.db_password: .*a name that announces a secret/],
    ['a Connect URL with user:password', [[['sources', 'events', 'clusters', 0, 'connect'], 'https://admin:hunter2@connect:8083']], /clusters\[0\]\.connect: .*a user name or password in a URL: the basic-auth user and password belong in the Connect cluster's secret \(connect\.secret\)/],
    ['a Connect url with user:password', [[['sources', 'events', 'clusters', 0, 'connect'], { url: 'https://admin:hunter2@connect:8083', secret: 'c' }]], /connect\.url: .*belong in the Connect cluster's secret/],
    ['Connect TLS files over plain http', [[['sources', 'events', 'clusters', 0, 'connect'], { url: 'http://connect:8083', tls: { caFile: 'ca.crt' } }]], /connect\.tls: expected an https:\/\/ url with tls/],
    ['a password in the Temporal address', [[['temporal'], { address: 'user:pw@temporal:7233' }]], /^temporal\.address: .*credentials belong in a secret/],
  ])('refuses %s and says where it belongs', (_what, edits, message) => {
    const problems = problemsOf(...edits);
    expect(problems.some((p) => message.test(p)), problems.join('\n')).toBe(true);
  });

  it('accepts plain hosts, endpoints and tags', () => {
    expect(
      problemsOf(
        [[...server, 'host'], 'db-1.eu-west-1.rds.amazonaws.com'],
        [['stage'], s3('http://127.0.0.1:59000')],
        [['metrics'], { statsd: { host: 'datadog-agent', tags: { env: 'prod', team: 'data-platform' } } }],
        [['temporal'], { address: 'ns.acct.tmprl.cloud:7233' }],
      ),
    ).toEqual([]);
  });
});

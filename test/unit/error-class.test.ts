import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { classifyError, codeBug, deterministicSqlState } from '../../activities/error-class.js';

const pgError = (code: string, message: string, fields: Record<string, string> = {}) => Object.assign(new Error(message), { code, ...fields });
const what = { pipeline: 'films', region: 'us', source: 'app/us', stream: 'public.film' };

describe('errors a retry cannot fix', () => {
  it('are the deterministic SQLSTATE classes, less the races of two writers', () => {
    for (const code of ['42704', '42703', '42P01', '22003', '22P02', '23502', '0A000', '42501', '54011']) expect(deterministicSqlState(code), code).toBe(true);
    for (const code of ['08006', '40001', '40P01', '53300', '57P01', '57014', '55P03', '58030', 'XX000', '25P02', '23505', '42P07', '42701']) expect(deterministicSqlState(code), code).toBe(false);
    expect(deterministicSqlState(undefined)).toBe(false);
    expect(deterministicSqlState('EPIPE')).toBe(false);
  });

  it('fail at once as BadInput, naming pipeline, region, source, table and the field the server names', () => {
    const wrapped = new Error('warehouse: merge of batch r1:0:0 failed', { cause: pgError('42704', 'type "year" does not exist', { dataType: 'year' }) });
    const out = classifyError(wrapped, what);
    expect(out).toBeInstanceOf(ApplicationFailure);
    const f = out as ApplicationFailure;
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('BadInput');
    expect(f.message).toBe('pipeline films, region us, source app/us, table public.film: warehouse: merge of batch r1:0:0 failed (type year) [SQLSTATE 42704: the same input fails the same way; not retried]');
    expect(f.cause).toBe(wrapped);
  });

  it('keep a message that already names the pipeline, and leave transient and our own failures as they are', () => {
    const named = classifyError(pgError('22003', 'pipeline films, source app/us: numeric field overflow', { column: 'amount' }), what) as ApplicationFailure;
    expect(named.message).toMatch(/^pipeline films, source app\/us: numeric field overflow \(column amount\) \[SQLSTATE 22003/);
    const lost = pgError('57P01', 'terminating connection due to administrator command');
    expect(classifyError(lost, what)).toBe(lost);
    const ours = ApplicationFailure.create({ message: 'x', type: 'BadInput', nonRetryable: true });
    expect(classifyError(ours, what)).toBe(ours);
    const plain = new Error('connect ECONNREFUSED');
    expect(classifyError(plain, what)).toBe(plain);
  });

  it('a stack overflow or a TypeError of our own code fails at once; a library\'s or the network\'s is retried', () => {
    const deep = (n: number): number => (n === 0 ? 0 : 1 + deep(n - 1));
    let overflow: unknown;
    try {
      deep(1e7);
    } catch (err) {
      overflow = err;
    }
    expect(overflow).toBeInstanceOf(RangeError);
    const f = classifyError(overflow, what) as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('CodeBug');
    expect(f.message).toMatch(/^pipeline films, region us, source app\/us, table public\.film: RangeError: Maximum call stack size exceeded \[a fault in Tributary's code.*not retried/);

    let ours: unknown;
    try {
      (undefined as unknown as { name: string }).name.trim();
    } catch (err) {
      ours = err;
    }
    expect(codeBug(ours)).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'name'\) \(test\/unit\/error-class\.test\.ts:\d+:\d+\)$/);
    expect((classifyError(ours, what) as ApplicationFailure).nonRetryable).toBe(true);

    // undici's network failure is a TypeError whose first frame is Node's own.
    const network = Object.assign(new TypeError('fetch failed'), { stack: 'TypeError: fetch failed\n    at node:internal/deps/undici/undici:13510:13\n    at async ConnectCluster.call (/app/activities/managed-cdc/connect-rest.ts:36:13)' });
    expect(classifyError(network, what)).toBe(network);
    const library = Object.assign(new TypeError('x is not a function'), { stack: 'TypeError: x is not a function\n    at Foo.bar (/app/node_modules/pg/lib/client.js:1:1)' });
    expect(classifyError(library, what)).toBe(library);
    const plain = new Error('socket hang up');
    expect(codeBug(plain)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { classifyError, deterministicSqlState } from '../../activities/error-class.js';

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
});

import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { transientError } from '../../activities/error-class.js';
import { planSource } from '../../activities/kinds/plan-source.js';
import { PgConnectError } from '../../activities/pg/connect.js';

const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
const sqlState = (code: string) => Object.assign(new Error(`server says ${code}`), { code });

describe('transientError', () => {
  it.each([
    ['a refused connection, wrapped', new PgConnectError('source app/us', errno('ECONNREFUSED'))],
    ['a reset socket', errno('ECONNRESET')],
    ['admin shutdown (57P01)', sqlState('57P01')],
    ['the database system is starting up (57P03)', sqlState('57P03')],
    ['a serialization failure (40001)', sqlState('40001')],
    ['lock not available (55P03)', sqlState('55P03')],
    ['a session closed by the server', new Error('Connection terminated unexpectedly')],
    ['a Kafka network error', Object.assign(new Error('Connection closed'), { code: 'PLT_KFK_NETWORK' })],
  ])('%s: yes', (_, err) => expect(transientError(err)).toBe(true));

  it.each([
    ['an unknown host', new PgConnectError('source leaky/us', errno('ENOTFOUND'))],
    ['an undefined table (42P01)', sqlState('42P01')],
    ['a wrong password (28P01)', sqlState('28P01')],
    ['our own bad input', ApplicationFailure.create({ message: 'bad', type: 'BadInput', nonRetryable: true })],
    ['a plain error', new Error('something else')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s: no', (_, err) => expect(transientError(err)).toBe(false));
});

describe('planSource', () => {
  const delays = [1, 1, 1];

  it('tries a transient failure again and returns what the plan gives', async () => {
    let calls = 0;
    const reported: string[] = [];
    const out = await planSource('app/us', async () => (++calls < 3 ? Promise.reject(errno('ECONNREFUSED')) : 'planned'), (s) => reported.push(s), delays);
    expect(out).toEqual({ planned: 'planned' });
    expect(calls).toBe(3);
    expect(reported).toEqual([]);
  });

  it('reports a transient failure that outlasts the attempts, once', async () => {
    let calls = 0;
    const reported: unknown[] = [];
    const out = await planSource('app/us', () => (calls++, Promise.reject(errno('ECONNREFUSED'))), (s, e) => reported.push([s, (e as Error).message]), delays);
    expect(out).toBeUndefined();
    expect(calls).toBe(delays.length + 1);
    expect(reported).toEqual([['app/us', 'connect ECONNREFUSED 127.0.0.1:5432']]);
  });

  it('reports a deterministic failure at once', async () => {
    let calls = 0;
    const reported: string[] = [];
    expect(await planSource('leaky/us', () => (calls++, Promise.reject(errno('ENOTFOUND'))), (s) => reported.push(s), delays)).toBeUndefined();
    expect(calls).toBe(1);
    expect(reported).toEqual(['leaky/us']);
  });

  it('without a reporter, fails with the error itself', async () => {
    await expect(planSource('app/us', () => Promise.reject(sqlState('42P01')), undefined, delays)).rejects.toThrow('server says 42P01');
  });
});

// A session that cannot be opened names its server; an unreachable warehouse is told apart from
// an unreachable source, so planning retries as a whole instead of failing one source's run.
import { describe, expect, it } from 'vitest';
import { PgConnectError, isWarehouseUnreachable } from '../../activities/pg/connect.js';

describe('PgConnectError', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:55434'), { code: 'ECONNREFUSED' });

  it('names the server and keeps the cause', () => {
    const e = new PgConnectError('warehouse', refused);
    expect(e.message).toBe('warehouse: cannot connect: connect ECONNREFUSED 127.0.0.1:55434');
    expect(e.cause).toBe(refused);
  });

  it('the warehouse unreachable, however deep in the causes; a source or another error is not', () => {
    expect(isWarehouseUnreachable(new PgConnectError('warehouse', refused))).toBe(true);
    expect(isWarehouseUnreachable(new Error('planning failed', { cause: new PgConnectError('warehouse', refused) }))).toBe(true);
    expect(isWarehouseUnreachable(new PgConnectError('source app/us', refused))).toBe(false);
    expect(isWarehouseUnreachable(refused)).toBe(false);
    expect(isWarehouseUnreachable('warehouse: cannot connect')).toBe(false);
  });
});

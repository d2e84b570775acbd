// The cdc pipeline section of the config: defaults, and what it refuses before anything runs.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';

function config(options: Record<string, unknown> = {}) {
  return {
    sources: { events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] }] } },
    warehouse: { type: 'postgres', secret: 'warehouse' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    pipelines: [{ name: 'orders-cdc', kind: 'cdc', source: 'events', topic: 'app.public.orders', target: 'orders', key: ['id'], options }],
  };
}

describe('cdc pipeline config', () => {
  it('defaults to Debezium defaults, hard deletes, adding new columns, widening retyped ones and applying truncates', () => {
    const p = validateConfig('t', config()).pipelines[0]!;
    expect(p.kind === 'cdc' && p.options).toEqual({
      deletes: 'hard',
      onNewColumn: 'add',
      onTypeChange: 'widen',
      onTruncate: 'apply',
      decimalHandlingMode: 'precise',
      timePrecisionMode: 'adaptive',
      intervalHandlingMode: 'numeric',
      maxMessagesPerPartition: 100_000,
      maxBatchesPerRun: 4,
      intervalSeconds: 5,
      maxDeadLetterRatio: 0,
    });
  });

  it('refuses an unknown truncate policy', () => {
    expect(() => validateConfig('t', config({ onTruncate: 'skip' }))).toThrow(/onTruncate[\s\S]*"apply", "ignore" or "fail"/);
    const p = validateConfig('t', config({ onTruncate: 'fail' })).pipelines[0]!;
    expect(p.kind === 'cdc' && p.options.onTruncate).toBe('fail');
  });

  it('capturedFrom names a declared postgres source', () => {
    expect(() => validateConfig('t', config({ capturedFrom: { source: 'events', table: 'public.orders' } }))).toThrow(/capturedFrom\.source[\s\S]*expected a declared postgres source, got "events"/);
  });

  it('refuses an unknown connector setting and a column type that is not a type', () => {
    expect(() => validateConfig('t', config({ decimalHandlingMode: 'float' }))).toThrow(/decimalHandlingMode[\s\S]*"precise", "string" or "double"/);
    expect(() => validateConfig('t', config({ columnTypes: { id: 'bigint); drop table x; --' } }))).toThrow(/columnTypes[\s\S]*PostgreSQL type/);
    expect(() => validateConfig('t', config({ columnTypes: { id: 'bigint default pg_sleep(30)' } }))).toThrow(/columnTypes\.id: expected a PostgreSQL type like/);
    // Types schemaless messages cannot carry exactly: refused, naming pipeline, column and type, never loaded wrong.
    for (const [type, why] of [
      ['interval', /MicroDuration/],
      ['interval(3)', /MicroDuration/],
      ['integer[]', /JSON array, without its lower bounds/],
      ['varbit', /without the bit length/],
      ['bit varying(8)', /without the bit length/],
      ['hstore[]', /JSON array, without its lower bounds/],
      ['timetz', /ZonedTime in UTC, without its offset/],
      ['time(3) with time zone', /ZonedTime in UTC, without its offset/],
    ] as const) {
      const refused = () => validateConfig('t', config({ columnTypes: { id: 'bigint', c: type } }));
      expect(refused, type).toThrow(`pipeline "orders-cdc", column c: type ${type} cannot be read without JSON schemas`);
      expect(refused, type).toThrow(why);
      expect(refused, type).toThrow(/use JSON schemas \(the connector's value\.converter\.schemas\.enable=true\)/);
    }
    const read = validateConfig('t', config({ columnTypes: { id: 'bigint', g: 'geometry(Point,4326)', gg: 'geography', p: 'point', b: 'bytea', j: 'jsonb', bits: 'bit(3)', h: 'hstore' } })).pipelines[0]!;
    expect(read.kind === 'cdc' && Object.keys(read.options.columnTypes!)).toEqual(['id', 'g', 'gg', 'p', 'b', 'j', 'bits', 'h']);
    const ok = validateConfig('t', config({ columnTypes: { id: 'bigint', amount: 'numeric(12,2)', at: 'timestamp(3) with time zone' } })).pipelines[0]!;
    expect(ok.kind === 'cdc' && ok.options.columnTypes).toEqual({ id: 'bigint', amount: 'numeric(12,2)', at: 'timestamp(3) with time zone' });
  });
});

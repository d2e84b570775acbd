// The type-change rule (merge-rules/type-change.ts) as each kind meets it: pull columns as the
// source's format_type prints them, CDC columns as Debezium's event schema gives them, topic
// columns as the config declares them; and the PostgreSQL DDL that widens.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { retypes } from '../../activities/merge-rules/type-change.js';
import { batchColumns } from '../../activities/sources/debezium/cdc-columns.js';
import type { FieldType } from '../../activities/sources/debezium/decode.js';
import { topicType } from '../../types/topic-type.js';
import { declaredColumn } from '../../types/type-name.js';
import { widenColumnsSql } from '../../activities/warehouse/postgres/merge-sql.js';
import type { ColumnSpec } from '../../activities/specs/columns.js';
import { validateConfig } from '../../config/load.js';

const WHERE = 'pipeline orders, region us, source app/us, table analytics.orders';
const target = (cols: ColumnSpec[]) => new Map(cols.map((c) => [c.name, c.type]));

function refusal(f: () => unknown): ApplicationFailure {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a refusal');
}

describe('pull columns retyped at the source', () => {
  const before = new Map(Object.entries({ amount: 'numeric(10,2)', label: 'character varying(20)', code: 'integer', at: 'timestamp without time zone', flag: 'boolean' }));

  it('widens each to the type that holds both, and leaves a type the target holds alone', () => {
      const now = Object.entries({ amount: 'numeric(14,4)', label: 'character varying(200)', code: 'bigint', at: 'timestamp with time zone', flag: 'boolean', fresh: 'text' }).map(([name, type]) => ({ name, type }));
    expect(retypes(now, before, 'widen', WHERE, 'at the source')).toEqual([
      { name: 'amount', from: 'numeric(10,2)', to: 'numeric(14,4)' },
      { name: 'label', from: 'character varying(20)', to: 'character varying(200)' },
      { name: 'code', from: 'integer', to: 'bigint' },
      { name: 'at', from: 'timestamp without time zone', to: 'timestamp with time zone' },
    ]);
    // Narrowed at the source: every new value fits the target as it is.
    expect(retypes([{ name: 'amount', type: 'numeric(8,1)' }, { name: 'code', type: 'smallint' }], before, 'fail', WHERE, 'at the source')).toEqual([]);
  });

  it('widens any type to text', () => {
    expect(retypes([{ name: 'code', type: 'text' }, { name: 'flag', type: 'text' }], before, 'widen', WHERE, 'at the source')).toEqual([
      { name: 'code', from: 'integer', to: 'text' },
      { name: 'flag', from: 'boolean', to: 'text' },
    ]);
  });

  it('under onTypeChange: fail refuses a change the target cannot hold, naming where, the column, both types and the widening', () => {
    const e = refusal(() => retypes([{ name: 'amount', type: 'numeric(14,4)' }], before, 'fail', WHERE, 'at the source'));
    expect(e.nonRetryable).toBe(true);
    expect(e.message).toBe(
      `${WHERE}: column amount is numeric(14,4) at the source, but the target keeps it as numeric(10,2), which cannot hold every value of it, and the pipeline's onTypeChange policy is "fail"; widen the target column to numeric(14,4) by hand, or set onTypeChange: widen`,
    );
  });

  it('refuses a change no type holds both sides of whatever the policy', () => {
    const e = refusal(() => retypes([{ name: 'flag', type: 'integer' }], before, 'widen', WHERE, 'at the source'));
    expect(e.nonRetryable).toBe(true);
    expect(e.message).toContain(`${WHERE}: column flag is integer at the source, but the target keeps it as boolean, which cannot hold every value of it, and no type holds both`);
    const zone = refusal(() => retypes([{ name: 'at', type: 'timestamp without time zone' }], target([{ name: 'at', type: 'timestamp with time zone' }]), 'widen', WHERE, 'at the source'));
    expect(zone.message).toContain('column at is timestamp without time zone at the source, but the target keeps it as timestamp with time zone');
    const kept = refusal(() => retypes([{ name: 'mood', type: 'text', sourceType: 'mood' }], target([{ name: 'mood', type: 'integer' }]), 'fail', WHERE, 'at the source'));
    expect(kept.message).toContain('column mood is mood (kept as text) at the source');
  });
});

describe('CDC columns from the Debezium event schema', () => {
  const field = (name: string, type: string, semantic: string | null = null, parameters: Record<string, string> = {}): FieldType => ({ name, type, semantic, optional: true, parameters });
  const decimal = (name: string, precision: number, scale: number) => field(name, 'bytes', 'org.apache.kafka.connect.data.Decimal', { scale: String(scale), 'connect.decimal.precision': String(precision) });
  // Each column as the event schema gave it before the ALTER at the source, and after.
  const retyped: [FieldType, FieldType][] = [
    [field('id', 'int64'), field('id', 'int64')],
    [decimal('amount', 10, 2), decimal('amount', 14, 4)],
    [field('code', 'int32'), field('code', 'int64')],
    [field('at', 'int64', 'io.debezium.time.MicroTimestamp'), field('at', 'string', 'io.debezium.time.ZonedTimestamp')],
    [field('n', 'int32'), field('n', 'string')],
    [field('label', 'string'), field('label', 'string')],
  ];
  const oldSchema = retyped.map(([before]) => before);
  const newSchema = retyped.map(([, after]) => after);

  it('widens numeric precision and scale, int32 to int64, a timestamp to timestamptz and a type to text', () => {
    const targetTypes = target(batchColumns([oldSchema]));
    expect(retypes(batchColumns([newSchema]), targetTypes, 'widen', WHERE, 'at the source')).toEqual([
      { name: 'amount', from: 'numeric(10,2)', to: 'numeric(14,4)' },
      { name: 'code', from: 'integer', to: 'bigint' },
      { name: 'at', from: 'timestamp without time zone', to: 'timestamp with time zone' },
      { name: 'n', from: 'integer', to: 'text' },
    ]);
  });

  it('needs nothing when the schema shows no new type: varchar lengths and string decimals are text', () => {
    const stringMode = (name: string) => field(name, 'string');
    expect(retypes(batchColumns([[stringMode('amount'), field('label', 'string')]]), target([{ name: 'amount', type: 'text' }, { name: 'label', type: 'text' }]), 'fail', WHERE, 'at the source')).toEqual([]);
  });

  it('stages a column retyped within one batch as a type that holds both, so older events are not rounded', () => {
    const staged = batchColumns([oldSchema, newSchema, [field('id', 'int64'), decimal('amount', 12, 6)]]);
    expect(staged.find((c) => c.name === 'amount')).toEqual({ name: 'amount', type: 'numeric(16,6)' });
    expect(staged.find((c) => c.name === 'code')).toEqual({ name: 'code', type: 'bigint' });
    expect(staged.find((c) => c.name === 'at')).toEqual({ name: 'at', type: 'timestamp with time zone' });
    // Narrowed at the source within the batch: the older, wider type is staged.
    expect(batchColumns([[decimal('amount', 14, 4)], [decimal('amount', 10, 2)]])).toEqual([{ name: 'amount', type: 'numeric(14,4)' }]);
    // integer 0 and 1 would load as false and true: refused, not converted.
    const e = refusal(() => batchColumns([[field('flag', 'int32')], [field('flag', 'boolean')]], WHERE));
    expect(e.message).toBe(`${WHERE}: column flag is integer in earlier events of the batch and boolean in later ones, and no type holds both; change the target column by hand`);
  });

  it('refuses a narrowing the target cannot hold, naming both types', () => {
    const e = refusal(() => retypes(batchColumns([oldSchema]), target(batchColumns([newSchema])), 'widen', WHERE, 'at the source'));
    expect(e.message).toContain('column at is timestamp without time zone at the source, but the target keeps it as timestamp with time zone');
  });
});

describe('topic columns declared in the config', () => {
  const declared = (type: string): ColumnSpec => ({ name: 'amount', type: topicType(type).pg });

  it('widens integer to bigint or numeric, and anything to text', () => {
    expect(retypes([declared('bigint')], target([declared('integer')]), 'widen', WHERE, 'in the config')).toEqual([{ name: 'amount', from: 'integer', to: 'bigint' }]);
    expect(retypes([declared('numeric')], target([declared('bigint')]), 'widen', WHERE, 'in the config')).toEqual([{ name: 'amount', from: 'bigint', to: 'numeric' }]);
    expect(retypes([declared('text')], target([declared('jsonb')]), 'widen', WHERE, 'in the config')).toEqual([{ name: 'amount', from: 'jsonb', to: 'text' }]);
    expect(retypes([declared('integer')], target([declared('numeric')]), 'fail', WHERE, 'in the config')).toEqual([]);
  });

  it('refuses double to numeric (a double has no exact numeric), and any change under fail', () => {
    expect(refusal(() => retypes([declared('numeric')], target([declared('double')]), 'widen', WHERE, 'in the config')).message).toContain(
      'column amount is numeric in the config, but the target keeps it as double precision, which cannot hold every value of it, and no type holds both',
    );
    expect(refusal(() => retypes([declared('bigint')], target([declared('integer')]), 'fail', WHERE, 'in the config')).message).toContain('onTypeChange policy is "fail"');
  });

  it('widens a declared precision or length, and leaves a target that holds a narrower one as it is', () => {
    const widen = (from: string, to: string, policy: 'widen' | 'fail' = 'widen') => retypes([declared(to)], target([declared(from)]), policy, WHERE, 'in the config');
    expect(widen('numeric(10,2)', 'numeric(14,4)')).toEqual([{ name: 'amount', from: 'numeric(10,2)', to: 'numeric(14,4)' }]);
    // Two more decimals and one integer digit fewer: the target keeps its 8 integer digits and gains the scale.
    expect(widen('numeric(10,2)', 'numeric(11,4)')).toEqual([{ name: 'amount', from: 'numeric(10,2)', to: 'numeric(12,4)' }]);
    expect(widen('varchar(20)', 'varchar(200)')).toEqual([{ name: 'amount', from: 'character varying(20)', to: 'character varying(200)' }]);
    expect(widen('char(2)', 'char(5)')).toEqual([{ name: 'amount', from: 'character(2)', to: 'character(5)' }]);
    expect(widen('timestamptz(3)', 'timestamptz(6)')).toEqual([{ name: 'amount', from: 'timestamp(3) with time zone', to: 'timestamp with time zone' }]);
    expect(widen('numeric(10,2)[]', 'numeric(14,4)[]')).toEqual([{ name: 'amount', from: 'numeric(10,2)[]', to: 'numeric(14,4)[]' }]);
    // Narrowed in the config: the wider target holds every value, so nothing changes (as for a source narrowed at the source).
    for (const [from, to] of [['numeric(14,4)', 'numeric(10,2)'], ['varchar(200)', 'varchar(20)'], ['timestamp(6)', 'timestamp(0)'], ['varchar(20)[]', 'varchar(5)[]']]) expect(widen(from!, to!, 'fail'), `${from} to ${to}`).toEqual([]);
    expect(refusal(() => widen('numeric(10,2)', 'numeric(14,4)', 'fail')).message).toBe(
      `${WHERE}: column amount is numeric(14,4) in the config, but the target keeps it as numeric(10,2), which cannot hold every value of it, and the pipeline's onTypeChange policy is "fail"; widen the target column to numeric(14,4) by hand, or set onTypeChange: widen`,
    );
    // bit(4) to bit(8) would pad the old values with zeros: a different value, so no type holds both.
    expect(refusal(() => widen('bit(4)', 'bit(8)')).message).toContain('column amount is bit(8) in the config, but the target keeps it as bit(4), which cannot hold every value of it, and no type holds both');
    expect(refusal(() => widen('timestamp(3)[]', 'timestamptz(3)[]')).message).toContain('no type holds both');
  });

  it("compares a CDC columnTypes entry written with a short name as the target's format_type reads it", () => {
    for (const [declaredType, targetType] of [['varchar(20)', 'character varying(20)'], ['timestamptz', 'timestamp with time zone'], ['int', 'integer'], ['decimal(12)', 'numeric(12,0)'], ['char', 'character(1)']]) {
      const c = declaredColumn('amount', declaredType!);
      expect(c.type, declaredType).toBe(targetType);
      expect(retypes([c], new Map([['amount', targetType!]]), 'fail', WHERE, 'at the source')).toEqual([]);
    }
  });
});

describe('the PostgreSQL widening DDL', () => {
  it('casts in place, and reads a timestamp as UTC when it gains a zone', () => {
    expect(
      widenColumnsSql({ schema: 'a', table: 't' }, [
        { name: 'amount', from: 'numeric(10,2)', to: 'numeric(14,4)' },
        { name: 'at', from: 'timestamp(3) without time zone', to: 'timestamp with time zone' },
      ]),
    ).toEqual([
      'ALTER TABLE "a"."t" ALTER COLUMN "amount" TYPE numeric(14,4) USING "amount"::numeric(14,4)',
      `ALTER TABLE "a"."t" ALTER COLUMN "at" TYPE timestamp with time zone USING "at" AT TIME ZONE 'UTC'`,
    ]);
  });
});

describe('onTypeChange in the config', () => {
  const pipelines = (options: Record<string, unknown>) => [
    { name: 'f', kind: 'fact', source: 'app', table: 'public.f', key: ['id'], watermark: 'at', options },
    { name: 'd', kind: 'dimension', source: 'app', table: 'public.d', key: ['id'], options },
    { name: 't', kind: 'topic', source: 'events', topic: 't', target: 't', columns: [{ name: 'id', path: 'id', type: 'bigint' }], options },
    { name: 'c', kind: 'cdc', source: 'events', topic: 'c', target: 'c', key: ['id'], options },
  ];
  const config = (options: Record<string, unknown>) => ({
    sources: {
      app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }] },
      events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] }] },
    },
    warehouse: { type: 'postgres', secret: 'warehouse' },
    stage: { type: 'file', path: 'stage' },
    secrets: { provider: 'env' },
    pipelines: pipelines(options),
  });
  const policies = (options: Record<string, unknown>) => validateConfig('t', config(options)).pipelines.map((p) => (p.options as { onTypeChange: string }).onTypeChange);

  it('is declared for every kind, "widen" by default', () => {
    expect(policies({})).toEqual(['widen', 'widen', 'widen', 'widen']);
    expect(policies({ onTypeChange: 'fail' })).toEqual(['fail', 'fail', 'fail', 'fail']);
  });

  it('refuses another value', () => {
    expect(() => validateConfig('t', config({ onTypeChange: 'cast' }))).toThrow(/onTypeChange[\s\S]*expected "widen" or "fail"/);
  });
});

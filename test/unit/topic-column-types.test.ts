// A topic column's type is parsed against the type map (the parser CDC's columnTypes go through)
// and rendered from it into both dialects' DDL; a value that does not fit the declared modifiers
// is a dead letter, never rounded or cut.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import type { TopicPipelineConfig } from '../../config/schema.js';
import { compileMapping, mapMessage } from '../../activities/sources/kafka/map-message.js';
import { mappedColumns } from '../../activities/sources/kafka/topic-columns.js';
import { fitsNumeric, typedText, type ArrayForm } from '../../activities/sources/kafka/typed-values.js';
import { Unfit } from '../../activities/sources/kafka/column-values.js';
import { createTopicTargetSql as postgresTarget } from '../../activities/warehouse/postgres/topic-merge-sql.js';
import { createTopicTargetSql as redshiftTarget } from '../../activities/warehouse/redshift/topic-merge-sql.js';
import { topicType } from '../../types/topic-type.js';

const config = (columns: { name: string; path: string; type: string }[]) => ({
  sources: { events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] }] } },
  warehouse: { type: 'postgres', secret: 'w' },
  stage: { type: 'file', path: 'stage' },
  secrets: { provider: 'env' },
  pipelines: [{ name: 'orders', kind: 'topic', source: 'events', topic: 'orders', target: 'analytics.orders', key: ['id'], columns }],
});

const pipeline = (columns: { name: string; type: string }[]) =>
  validateConfig('test', config([{ name: 'id', type: 'bigint' }, ...columns].map((c) => ({ ...c, path: c.name })))).pipelines[0] as TopicPipelineConfig;

/** The config error for one column of this type. */
function refusal(type: string): string {
  try {
    pipeline([{ name: 'v', type }]);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`"${type}" was taken`);
}

describe('a topic column type in the config', () => {
  it('takes PostgreSQL types with their modifiers, and the short names it always took', () => {
    const p = pipeline(
      ['numeric(14,4)', 'VARCHAR (200)', 'char(3)', 'timestamp(3)', 'timestamptz(0)', 'time(2)', 'bit(8)', 'bit varying(16)', 'numeric(14,4)[]', 'text[]', 'double', 'timestamptz', 'int', 'jsonb[]'].map((type, i) => ({ name: `c${i}`, type })),
    );
    expect(mappedColumns(p).map((c) => c.type)).toEqual([
      'bigint',
      'numeric(14,4)',
      'character varying(200)',
      'character(3)',
      'timestamp(3) without time zone',
      'timestamp(0) with time zone',
      'time(2) without time zone',
      'bit(8)',
      'bit varying(16)',
      'numeric(14,4)[]',
      'text[]',
      'double precision',
      'timestamp with time zone',
      'integer',
      'jsonb[]',
    ]);
  });

  it('refuses what the type map does not know, bad modifiers, and types a JSON value has no exact form in', () => {
    for (const [type, message] of <[string, string][]>[
      ['numeric(14,4', 'pipelines[0].columns[1].type: expected a PostgreSQL type like "bigint", "numeric(12,2)"'],
      ['numeric(14;4)', '"numeric" takes a precision from 1 to 1000 and a scale, like numeric(12,2)'],
      ['varchar(0)', '"varchar" takes one length, like varchar(20)'],
      ['numeric(2000,2)', '"numeric" takes a precision from 1 to 1000 and a scale, like numeric(12,2)'],
      ['timestamp(9)', '"timestamp" takes one precision from 0 to 6'],
      ['integer(4)', '"integer" takes no modifier, got "(4)"'],
      ['bigint default 1', 'expected a PostgreSQL type like'],
      ['year', '"year" is not a PostgreSQL type Tributary knows'],
      ['uuid', 'a topic column takes text, varchar(n), char(n), smallint, integer, bigint, numeric(p,s), double precision, boolean, date, time(p), timestamp(p), timestamptz(p), jsonb, bit(n) or bit varying(n), or a one-dimensional array of one of them, got "uuid"'],
      ['real', 'a topic column takes'],
      ['timetz', 'a topic column takes'],
      ['x'.repeat(200), 'expected a PostgreSQL type of at most 128 characters'],
    ]) expect(refusal(type), type).toContain(message);
  });
});

describe('rendered into the warehouse DDL', () => {
  const spec = (types: string[]) => ({ schema: 'a', table: 't', key: null, columns: types.map((t, i) => ({ name: `c${i}`, type: topicType(t).pg })) });

  it('PostgreSQL: the type as format_type prints it', () => {
    expect(postgresTarget(spec(['numeric(14,4)', 'varchar(200)', 'timestamptz(3)', 'bit(8)', 'integer[]']))).toContain(
      '"c0" numeric(14,4), "c1" character varying(200), "c2" timestamp(3) with time zone, "c3" bit(8), "c4" integer[], ',
    );
  });

  it("Redshift: the map's Redshift type (characters as up to 4 bytes each, arrays as SUPER)", () => {
    expect(redshiftTarget(spec(['numeric(14,4)', 'varchar(200)', 'char(3)', 'timestamptz(3)', 'timestamp', 'time(2)', 'bit(8)', 'numeric(40,2)', 'integer[]']))).toContain(
      '"c0" DECIMAL(14,4), "c1" VARCHAR(800), "c2" VARCHAR(12), "c3" TIMESTAMPTZ, "c4" TIMESTAMP, "c5" TIME, "c6" VARCHAR(8), "c7" VARCHAR(42), "c8" SUPER, ',
    );
  });
});

describe('a value that does not fit its declared type', () => {
  const text = (v: unknown, type: string, form: ArrayForm = 'native') => {
    const t = typedText(v, topicType(type), form);
    return t instanceof Unfit ? `!${t.why}` : t;
  };

  it('numeric(p,s): at most p - s digits before the point, none past the scale (trailing zeros are no digits)', () => {
    expect(text(1234567890.1234, 'numeric(14,4)')).toBe('1234567890.1234');
    expect(text('-9999999999.9999', 'numeric(14,4)')).toBe('-9999999999.9999');
    expect(text('1.50000', 'numeric(14,4)')).toBe('1.50000');
    expect(text('1.2e-3', 'numeric(14,4)')).toBe('1.2e-3');
    expect(text(1.23456, 'numeric(14,4)')).toBe('!expected a number that numeric(14,4) holds exactly (at most 10 digits before the point and 4 after), got 1.23456');
    expect(text('12345678901', 'numeric(14,4)')).toMatch(/^!expected a number that numeric\(14,4\) holds exactly/);
    expect(text('1e10', 'numeric(14,4)')).toMatch(/^!expected a number that numeric\(14,4\) holds/);
    expect(text('1.5e-5', 'numeric(14,4)')).toMatch(/^!expected a number that numeric\(14,4\) holds/);
    for (const [v, p, s, fits] of [
      ['0', 1, 0, true], ['-0.000', 1, 0, true], ['9', 1, 0, true], ['10', 1, 0, false], ['.5', 1, 1, true], ['0.05', 1, 1, false], ['7.', 1, 0, true],
      ['1200', 2, -2, true], ['1230', 2, -2, false], ['0.00099', 2, 5, true], ['0.001', 2, 5, false], ['0.000001', 2, 5, false], ['123.45e2', 5, 0, true], ['123.456e2', 5, 0, false],
    ] as const) expect(fitsNumeric(v, p, s), `${v} in numeric(${p},${s})`).toBe(fits);
  });

  it('exact digits past a double: a JSON number of 16 or more digits is read exactly and checked as written', () => {
    const p = pipeline([{ name: 'amount', type: 'numeric(20,4)' }, { name: 'tight', type: 'numeric(16,0)' }]);
    const m = compileMapping(p);
    expect(mapMessage(Buffer.from('{"id": 1, "amount": 1234567890123456.1234}'), m)).toEqual({ ok: true, values: ['1', '1234567890123456.1234', null] });
    const dead = mapMessage(Buffer.from('{"id": 1, "tight": 12345678901234567}'), m);
    expect(dead).toMatchObject({ ok: false, reason: 'wrong-type', field: 'tight' });
    expect(dead.ok ? '' : dead.detail).toBe('field "tight": expected a number that numeric(16,0) holds exactly (at most 16 digits before the point and 0 after), got 12345678901234567');
  });

  it('varchar(n) and char(n): at most n characters, counted as PostgreSQL counts them', () => {
    expect(text('🙂'.repeat(3), 'varchar(3)')).toBe('🙂🙂🙂');
    expect(text('abcd', 'varchar(3)')).toBe('!expected at most 3 characters (character varying(3)), got 4');
    expect(text('abc ', 'char(3)')).toBe('!expected at most 3 characters (character(3)), got 4');
    expect(text(12345, 'varchar(4)')).toBe('!expected at most 4 characters (character varying(4)), got 5');
  });

  it('time(p) and timestamp(p): no more fractional digits than p; a timestamp without zone takes UTC or no offset', () => {
    expect(text('2026-01-01T10:00:00.123Z', 'timestamptz(3)')).toBe('2026-01-01T10:00:00.123Z');
    expect(text('2026-01-01T10:00:00.120000Z', 'timestamptz(2)')).toBe('2026-01-01T10:00:00.120000Z');
    expect(text('2026-01-01T10:00:00.1234+02:00', 'timestamptz(3)')).toBe('!expected at most 3 fractional digits of a second (timestamp(3) with time zone), got "2026-01-01T10:00:00.1234+02:00"');
    expect(text(1764324000123, 'timestamp(0)')).toMatch(/^!expected at most 0 fractional digits/);
    expect(text('2026-01-01 10:00:00', 'timestamp(0)')).toBe('2026-01-01 10:00:00Z');
    expect(text('2026-01-01T10:00:00+02:00', 'timestamp')).toBe('!expected a timestamp in UTC or without an offset (the column keeps no zone), got "2026-01-01T10:00:00+02:00"');
    expect(text('13:45:00.25', 'time(2)')).toBe('13:45:00.25');
    expect(text('13:45:00.255', 'time(2)')).toMatch(/^!expected at most 2 fractional digits of a second \(time\(2\) without time zone\)/);
    expect(text('25:00', 'time')).toBe('!expected a time like "13:45:00.25", got the string "25:00"');
  });

  it('bit(n) takes exactly n bits, bit varying(n) at most n', () => {
    expect(text('1010', 'bit(4)')).toBe('1010');
    expect(text('101', 'bit(4)')).toBe('!expected exactly 4 bits (bit(4)), got 3');
    expect(text('10101', 'varbit(4)')).toBe('!expected at most 4 bits (bit varying(4)), got 5');
    expect(text('10a', 'varbit')).toBe('!expected a bit string like "0101", got the string "10a"');
  });

  it("arrays: each element checked the same way, staged as PostgreSQL's array literal or as JSON for SUPER", () => {
    expect(text([1.5, null, '2.25'], 'numeric(6,2)[]')).toBe('{"1.5",NULL,"2.25"}');
    expect(text(['.5', '7.', 3], 'numeric(6,2)[]', 'json')).toBe('[0.5,7,3]');
    expect(text(['a"b', 'c\\d', 'NULL'], 'varchar(4)[]')).toBe('{"a\\"b","c\\\\d","NULL"}');
    expect(text(['a"b', null], 'text[]', 'json')).toBe('["a\\"b",null]');
    expect(text([{ a: 1 }, true], 'jsonb[]', 'json')).toBe('[{"a":1},true]');
    expect(text([1.5, 1.234], 'numeric(6,2)[]')).toBe('!element 1: expected a number that numeric(6,2) holds exactly (at most 4 digits before the point and 2 after), got 1.234');
    expect(text([[1]], 'integer[]')).toBe('!element 0: expected one dimension, got a nested array');
    expect(text(1, 'integer[]')).toBe('!expected an array of integer, got number');
  });
});

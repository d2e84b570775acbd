// CDC's columnTypes are parsed against the types Tributary knows, never pasted into DDL as text.
import { describe, expect, it } from 'vitest';
import { pgTypeProblem } from '../../config/pg-type-name.js';

describe('a source column type (columnTypes)', () => {
  it('takes what format_type prints, with modifiers, zones and arrays', () => {
    for (const t of [
      'bigint', 'integer', 'double precision', 'numeric', 'numeric(12,2)', 'numeric(1000,-3)', 'character varying(20)', 'varchar(200)', 'character(1)',
      'timestamp with time zone', 'timestamp(3) without time zone', 'time(6) with time zone', 'interval', 'text[]', 'integer[][]', 'bit varying(8)',
      'jsonb', 'uuid', 'tstzrange', 'datemultirange', 'hstore', 'citext', 'geometry(Point,4326)', 'geography', 'BIGINT', 'numeric (10, 2)',
    ]) expect(pgTypeProblem(t), t).toBeUndefined();
  });

  it('refuses anything else, saying what it expected', () => {
    expect(pgTypeProblem('bigint default pg_sleep(30)')).toMatch(/expected a PostgreSQL type like/);
    expect(pgTypeProblem('bigint; drop table x')).toMatch(/expected a PostgreSQL type like/);
    expect(pgTypeProblem('year')).toMatch(/"year" is not a PostgreSQL type Tributary knows.*a domain or an enum is given as its base type or as text/);
    expect(pgTypeProblem('pg_sleep(30)')).toMatch(/"pg_sleep" is not a PostgreSQL type/);
    expect(pgTypeProblem('bigint(5)')).toMatch(/"bigint" takes no modifier/);
    expect(pgTypeProblem('varchar(0)')).toMatch(/takes one length/);
    expect(pgTypeProblem('timestamp(9)')).toMatch(/precision from 0 to 6/);
    expect(pgTypeProblem('numeric(0)')).toMatch(/precision from 1 to 1000/);
    expect(pgTypeProblem('text with time zone')).toMatch(/"text" takes no time zone/);
    expect(pgTypeProblem('geometry(Point;1)')).toMatch(/geometry type and an SRID/);
  });
});

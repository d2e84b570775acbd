import { describe, expect, it } from 'vitest';
import { holds, widened } from '../../types/widening.js';

describe('a column retyped at the source', () => {
  it('is held by a target as wide or wider', () => {
    expect(holds('numeric(10,2)', 'numeric(10,2)')).toBe(true);
    expect(holds('numeric(14,4)', 'numeric(10,2)')).toBe(true);
    expect(holds('numeric', 'numeric(38,10)')).toBe(true);
    expect(holds('bigint', 'integer')).toBe(true);
    expect(holds('numeric(12,2)', 'integer')).toBe(true);
    expect(holds('character varying(20)', 'character varying(10)')).toBe(true);
    expect(holds('text', 'character varying(10)')).toBe(true);
    expect(holds('timestamp(6) with time zone', 'timestamp with time zone')).toBe(true);
  });

  it('is not held by a narrower one, which is widened in place when it can be', () => {
    expect(holds('numeric(10,2)', 'numeric(14,4)')).toBe(false);
    expect(widened('numeric(10,2)', 'numeric(14,4)')).toBe('numeric(14,4)');
    expect(widened('numeric(10,2)', 'numeric(9,4)')).toBe('numeric(12,4)');
    expect(holds('integer', 'bigint')).toBe(false);
    expect(widened('integer', 'bigint')).toBe('bigint');
    expect(widened('integer', 'numeric(20,2)')).toBe('numeric(20,2)');
    expect(holds('character varying(10)', 'character varying(40)')).toBe(false);
    expect(widened('character varying(10)', 'character varying(40)')).toBe('character varying(40)');
    expect(widened('character varying(10)', 'text')).toBe('text');
    expect(widened('real', 'double precision')).toBe('double precision');
    expect(widened('integer', 'text')).toBe('text');
    expect(widened('jsonb', 'text')).toBe('text');
    expect(widened('timestamp without time zone', 'timestamp(3) with time zone')).toBe('timestamp with time zone');
  });

  it('needs a person when no type holds both', () => {
    expect(holds('integer', 'text')).toBe(false);
    expect(widened('timestamp with time zone', 'timestamp without time zone')).toBeNull();
    expect(widened('date', 'timestamp with time zone')).toBeNull();
    expect(widened('boolean', 'integer')).toBeNull();
  });
});

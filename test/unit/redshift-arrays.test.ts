// Arrays staged for Redshift: read as JSON at the source so SUPER can load them; PostgreSQL
// warehouses keep PostgreSQL's array text. The select list is pure; the JSON form is checked on
// the local PostgreSQL in test/integration/redshift-sql-on-postgres.test.ts.
import { describe, expect, it } from 'vitest';
import { stagedColumnsOptions, stagedSelectList } from '../../activities/sources/postgres/staged-columns.js';
import { REDSHIFT_CAPABILITIES } from '../../activities/warehouse/redshift/redshift-warehouse.js';
import { POSTGRES_CAPABILITIES } from '../../activities/warehouse/postgres/postgres-warehouse.js';
import { redshiftType } from '../../activities/warehouse/redshift/types.js';

const columns = [
  { name: 'id', type: 'bigint' },
  { name: 'Tags', type: 'text[]' },
  { name: 'grid', type: 'integer[]' },
];

describe('arrays in the stage', () => {
  it('are read as JSON for a Redshift warehouse, as PostgreSQL text for a PostgreSQL warehouse', () => {
    const json = (c: string) => `CASE WHEN array_dims(${c}) IS NULL OR array_dims(${c}) ~ '^(\\[1:[0-9]+\\])+$' THEN array_to_json(${c}) ELSE to_json(${c}::text) END AS ${c}`;
    expect(stagedSelectList(columns, stagedColumnsOptions(REDSHIFT_CAPABILITIES))).toBe(`"id", ${json('"Tags"')}, ${json('"grid"')}`);
    expect(stagedSelectList(columns, stagedColumnsOptions(POSTGRES_CAPABILITIES))).toBe('"id", "Tags", "grid"');
  });

  it('land in SUPER columns on Redshift', () => {
    expect(redshiftType('text[]').sql).toBe('SUPER');
    expect(redshiftType('integer[]').isSuper).toBe(true);
  });
});

// The probe that says whether a read is small: it counts one row past the limit, never the whole table.
import { describe, expect, it } from 'vitest';
import { smallReadSql } from '../../activities/sources/postgres/small-read.js';

describe('smallReadSql', () => {
  it('counts at most one row past the limit, under the read\'s own filter, with quoted names', () => {
    expect(smallReadSql('public', 'Orders', 10_000)).toBe('SELECT count(*) <= 10000 AS small FROM (SELECT 1 FROM "public"."Orders" LIMIT 10001) s');
    expect(smallReadSql('s', 't', 5, '"updated_at" < \'2026-01-01\'::timestamptz')).toBe(
      'SELECT count(*) <= 5 AS small FROM (SELECT 1 FROM "s"."t" WHERE "updated_at" < \'2026-01-01\'::timestamptz LIMIT 6) s',
    );
  });
});

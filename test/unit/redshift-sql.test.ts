// Pure parts of the Redshift dialect: identifier rules, type mapping, statement sizes and the
// shape of the merge batch. Their semantics run on PostgreSQL in the integration test.
import { describe, expect, it } from 'vitest';
import { columnNameProblems, ident, identifierProblem, RESERVED } from '../../activities/warehouse/redshift/identifiers.js';
import { MAX_VARCHAR_BYTES, redshiftType } from '../../activities/warehouse/redshift/types.js';
import * as rs from '../../activities/warehouse/redshift/merge-sql.js';
import { byteLength, groupBySize, MAX_BATCH_STATEMENTS, MAX_STATEMENT_BYTES } from '../../activities/warehouse/redshift/statement-size.js';
import { modeColumns, type MergeSpec } from '../../activities/warehouse/postgres/merge-sql.js';

const values: rs.BatchValues = {
  batchId: "run'1",
  pipeline: 'orders',
  region: 'us',
  source: 'app/us',
  stream: 'public.orders',
  rows: 10,
  checksum: 'sha256:x',
  extractedAt: '2026-01-01T00:00:00Z',
  loadedAt: '2026-01-01T00:00:01Z',
  rangeFrom: null,
  rangeTo: '2026-01-01T00:00:00Z',
  positions: [{ stream: 'public.orders', position: '2026-01-01T00:00:00Z' }],
};
const input = (spec: MergeSpec): rs.MergeInput => ({
  spec,
  stateSchema: 'analytics',
  target: [...spec.columns, ...modeColumns(spec.mode), { name: '_source' }, { name: '_region' }, { name: '_batch_id' }, { name: '_extracted_at' }, { name: '_loaded_at' }].map((c) => ({
    name: c.name.toLowerCase(),
    varcharBytes: 'type' in c && c.type === 'text' ? MAX_VARCHAR_BYTES : null,
  })),
  manifestUrl: 's3://tributary-stage/tributary/orders/us/r/0-0/part-00000.csv.gz.manifest',
  copyRoleArn: 'arn:aws:iam::123456789012:role/load',
  values,
});

describe('Redshift identifiers', () => {
  it('quotes every name, so reserved words work, and folds to lower case', () => {
    expect(RESERVED.has('timestamp') && RESERVED.has('offset') && RESERVED.has('partition')).toBe(true);
    expect(ident('timestamp')).toBe('"timestamp"');
    expect(ident('Offset')).toBe('"offset"');
  });

  it('refuses what quoting cannot fix', () => {
    expect(identifierProblem('x'.repeat(127))).toBeNull();
    expect(identifierProblem('x'.repeat(128))).toBe('is 128 bytes long; Redshift allows at most 127');
    expect(identifierProblem('é'.repeat(64))).toBe('is 128 bytes long; Redshift allows at most 127');
    expect(identifierProblem('a"b')).toContain('double quote');
    expect(() => ident('a"b', 'column')).toThrow('column "a"b" contains a double quote');
    expect(columnNameProblems(['Id', 'id', 'note'])).toEqual(['columns "Id" and "id" are the same column in Redshift (names fold to lower case)']);
  });
});

describe('PostgreSQL -> Redshift types', () => {
  it.each([
    ['text', 'VARCHAR(65535)', 65535],
    ['character varying(40)', 'VARCHAR(160)', 160],
    ['character varying(20000)', 'VARCHAR(65535)', 65535],
    ['character(3)', 'VARCHAR(12)', 12],
    ['uuid', 'VARCHAR(36)', 36],
    ['numeric(12,2)', 'DECIMAL(12,2)', null],
    ['numeric(40,2)', 'VARCHAR(42)', 42],
    ['jsonb', 'SUPER', null],
    ['json', 'SUPER', null],
    ['integer[]', 'SUPER', null],
    ['timestamp(3) with time zone', 'TIMESTAMPTZ', null],
    ['timestamp without time zone', 'TIMESTAMP', null],
    ['boolean', 'BOOLEAN', null],
  ])('%s -> %s', (pgType, sql, bytes) => {
    expect(redshiftType(pgType).sql).toBe(sql);
    expect(redshiftType(pgType).varcharBytes).toBe(bytes);
  });
});

describe('Redshift merge batch', () => {
  const cols = [
    { name: 'id', type: 'bigint' },
    { name: 'note', type: 'text' },
    { name: 'updated_at', type: 'timestamp with time zone' },
  ];
  const fact: MergeSpec = { schema: 'analytics', table: 'orders', columns: cols, stagedColumns: cols, key: ['id'], mode: { kind: 'upsert', version: 'updated_at' } };

  it('passes every value as a parameter, each one referenced, none pasted', () => {
    const b = rs.mergeBatch(input(fact));
    const text = b.sqls.join('\n');
    for (const p of b.parameters) expect(text).toContain(`:${p.name}`);
    expect(b.parameters.find((p) => p.name === 'batch_id')?.value).toBe("run'1");
    expect(text).not.toContain("run'1");
    expect(text).toContain('NULL'); // range_from is null: a parameter cannot be
    expect(b.parameters.map((p) => p.name)).not.toContain('range_from');
  });

  it('has no TRUNCATE (it would commit the merge transaction) and fits the batch limits', () => {
    const b = rs.mergeBatch(input(fact));
    expect(b.sqls.filter((s) => /\bTRUNCATE\b/i.test(s))).toEqual([]);
    expect(b.sqls.length).toBeLessThanOrEqual(MAX_BATCH_STATEMENTS);
    expect(b.at.copy).toBe(3);
    expect(b.sqls[b.at.countCheck]).toContain('pg_last_copy_count()');
  });

  it('refuses a manifest URL or role that would not be plain COPY text', () => {
    expect(() => rs.copySql("s3://b-ucket/x'; DROP TABLE t; --", 'arn:aws:iam::123456789012:role/load')).toThrow('is not a plain s3:// URL');
    expect(() => rs.copySql('s3://bucket/key', "arn:aws:iam::123456789012:role/x' x")).toThrow('is not an IAM role ARN');
  });

  it('stays under 100 KB per statement with 1,600 columns of 127-byte names (Redshift maxima)', () => {
    const wide = [{ name: 'id', type: 'bigint' }, ...Array.from({ length: 1598 }, (_, i) => ({ name: `${String(i).padStart(4, '0')}${'n'.repeat(123)}`, type: 'jsonb' })), { name: 'v', type: 'bigint' }];
    const spec: MergeSpec = { ...fact, columns: wide, stagedColumns: wide, mode: { kind: 'upsert', version: 'v' } };
    const b = rs.mergeBatch(input(spec));
    expect(Math.max(...b.sqls.map(byteLength))).toBeLessThan(MAX_STATEMENT_BYTES);
    expect(b.sqls.filter((s) => s.includes('SET _same = FALSE')).length).toBeGreaterThan(3);
    expect(b.sqls.length).toBeLessThanOrEqual(MAX_BATCH_STATEMENTS);
    const ddl = rs.createTargetSqls(spec, []);
    expect(ddl[0]).toMatch(/^CREATE TABLE IF NOT EXISTS "analytics"."orders" \("id" BIGINT, /);
    expect(ddl[0]).toContain('PRIMARY KEY ("id", "_source")');
    expect(ddl.length).toBeGreaterThan(1);
    expect(ddl.slice(1).every((s) => s.startsWith('ALTER TABLE "analytics"."orders" ADD COLUMN '))).toBe(true);
    expect(Math.max(...ddl.map(byteLength))).toBeLessThan(MAX_STATEMENT_BYTES);
  });

  it('groups predicates by size', () => {
    expect(groupBySize(['aaaa', 'bbbb', 'cccc'], ' OR ', 17)).toEqual([['aaaa', 'bbbb'], ['cccc']]);
    expect(() => groupBySize(['x'.repeat(100)], ' OR ', 50)).toThrow('more than a statement can hold');
  });

  it('snapshots delete missing keys unless the batch is partial; other modes are refused clearly', () => {
    const dim: MergeSpec = { ...fact, stagedColumns: [...cols, { name: '_row_hash', type: 'text' }], mode: { kind: 'snapshot', deletes: 'hard' } };
    expect(rs.mergeBatch(input(dim)).sqls.some((s) => s.startsWith('DELETE FROM "analytics"."orders" WHERE'))).toBe(true);
    const partial: MergeSpec = { ...dim, mode: { kind: 'snapshot', deletes: 'hard', partial: true } };
    expect(rs.mergeBatch(input(partial)).sqls.some((s) => s.startsWith('DELETE FROM "analytics"."orders" WHERE'))).toBe(false);
    const soft: MergeSpec = { ...dim, mode: { kind: 'snapshot', deletes: 'soft' } };
    expect(rs.mergeBatch(input(soft)).sqls.some((s) => s.startsWith('UPDATE "analytics"."orders" SET "_deleted" = TRUE'))).toBe(true);
    const other = { ...fact, mode: { kind: 'append' } } as unknown as MergeSpec;
    expect(() => rs.mergeBatch(input(other))).toThrow('the Redshift warehouse has no merge for mode "append" yet');
  });
});

// The PostgreSQL warehouse's side of verify and repair: the bucket SQL it shares with the
// sources, the repair writes, and their ledger rows in the warehouse's own ledger SQL.
import type pg from 'pg';
import { LOCK_SQL, findBatchSql, insertBatchSql, targetColumnsSql } from '../warehouse/postgres/merge-sql.js';
import { deleteExtraSql, invalidateHashesSql, keepKeysSql } from './bucket-sql.js';
import { pgBucketReader } from './read.js';
import type { DeleteExtra, WarehouseSide } from './side.js';

export function postgresSide(c: pg.Client, stateSchema: string): WarehouseSide {
  return {
    ...pgBucketReader(c),
    async targetColumns(schema, table) {
      return new Set((await c.query<{ name: string }>(targetColumnsSql(), [schema, table])).rows.map((r) => r.name));
    },
    async deleteExtra(d: DeleteExtra) {
      await c.query('BEGIN');
      try {
        await c.query(LOCK_SQL, [`tributary:${d.target.schema}.${d.target.table}`]);
        const done = await c.query<{ deleted: string }>(findBatchSql(stateSchema), [d.ledgerId]);
        if (done.rows[0]) {
          await c.query('COMMIT');
          return Number(done.rows[0].deleted);
        }
        for (const stmt of keepKeysSql(d.key)) await c.query(stmt, stmt.startsWith('INSERT') ? d.keep : []);
        const deleted = (await c.query(deleteExtraSql(d.target, d.buckets), [d.source, d.only])).rowCount ?? 0;
        await c.query(insertBatchSql(stateSchema), [
          d.ledgerId, d.pipeline, d.region, d.source, d.stream, `${d.target.schema}.${d.target.table}`,
          null, d.cutoff, 0, 0, 0, 0, deleted, `repair:buckets ${d.only.join(',')} of ${d.buckets}`,
        ]);
        await c.query('COMMIT');
        return deleted;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    },
    async invalidateHashes(t, source, keys) {
      return (await c.query(invalidateHashesSql(t), [source, keys])).rowCount ?? 0;
    },
  };
}

// The PostgreSQL warehouse's side of verify and repair: the bucket SQL it shares with the
// sources, the repair writes, and their ledger rows in the warehouse's own ledger SQL.
import pg from 'pg';
import { LOCK_SQL, findBatchSql, insertBatchSql, targetColumnsSql } from '../warehouse/postgres/merge-sql.js';
import { NO_ROWS } from '../merge-rules/batch-counts.js';
import { ledgerRowParams } from '../warehouse/postgres/ledger-row.js';
import { DEAD_LETTERS_TABLE } from '../warehouse/postgres/dead-letters-sql.js';
import { deleteExtraSql, deleteOlderKeysSql, deleteOlderRowsSql, invalidateHashesSql, keepKeysSql, targetOffsetsSql } from './bucket-sql.js';
import { pgBucketReader } from './read.js';
import { repairChecksum, type DeleteExtra, type WarehouseSide } from './side.js';

const { escapeIdentifier: ident } = pg;
const offsets = (rows: { o: string }[]) => rows.map((r) => Number(r.o));

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
        await c.query(
          insertBatchSql(stateSchema),
          ledgerRowParams(
            { batchId: d.ledgerId, pipeline: d.pipeline, region: d.region, source: d.source, stream: d.stream, target: `${d.target.schema}.${d.target.table}`, from: null, to: d.cutoff, checksum: repairChecksum(d) },
            // A repair reads and stages nothing; what it deletes, the source no longer has.
            { ...NO_ROWS, deleted, deletedAbsent: deleted },
          ),
        );
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
    async deleteKeysBefore(t, keys, lsn) {
      return (await c.query(deleteOlderKeysSql(t, t.warehouse.softDeletes), [t.warehouse.source, keys, lsn])).rowCount ?? 0;
    },
    async deleteOlderRows(t, lsn, scope) {
      const sql = deleteOlderRowsSql(t, t.warehouse.softDeletes, { keys: scope.keys !== undefined, upTo: scope.upTo !== undefined });
      const keys = scope.keys ? t.key.map((_, i) => scope.keys!.map((k) => k[i]!)) : [];
      return (await c.query(sql, [t.warehouse.source, lsn, ...keys, ...(scope.upTo ?? [])])).rowCount ?? 0;
    },
    async targetOffsets(t, r) {
      const exists = (await c.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`${ident(t.schema)}.${ident(t.table)}`])).rows[0]!.ok;
      return exists ? offsets((await c.query<{ o: string }>(targetOffsetsSql(t), [r.source, r.partition, r.from, r.to])).rows) : [];
    },
    async deadLetterOffsets(pipeline, topic, r) {
      const sql = `SELECT kafka_offset AS o FROM ${ident(stateSchema)}.${ident(DEAD_LETTERS_TABLE)}
                    WHERE pipeline = $5 AND topic = $6 AND source = $1 AND kafka_partition = $2 AND kafka_offset >= $3 AND kafka_offset < $4 AND reason <> 'retention-gap'`;
      const res = await c.query<{ o: string }>(sql, [r.source, r.partition, r.from, r.to, pipeline, topic]).catch((err: { code?: string }) => {
        // No dead-letter table yet: nothing was dead-lettered.
        if (err.code === '42P01') return { rows: [] };
        throw err;
      });
      return offsets(res.rows);
    },
  };
}

// The PostgreSQL warehouse: stage files are streamed with COPY FROM STDIN into a temp table,
// then deduplicated, merged by key and recorded in the ledger inside one transaction.
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ActivityDeps } from '../../deps.js';
import { connectPg, withPg, type PgTarget } from '../../postgres/connect.js';
import type { MergeResult, StagedBatch } from '../../types.js';
import type { CheckpointKey, WarehouseDialect } from '../dialect.js';
import * as sql from './merge-sql.js';

export class PostgresWarehouse implements WarehouseDialect {
  private stateReady: Promise<void> | undefined;

  constructor(
    private readonly deps: ActivityDeps,
    private readonly target: PgTarget,
    private readonly stateSchema: string,
  ) {}

  private ensureState(client: pg.Client): Promise<void> {
    // Once per process; CREATE ... IF NOT EXISTS can still race across workers, so serialise it.
    this.stateReady ??= (async () => {
      await client.query('BEGIN');
      try {
        await client.query(sql.LOCK_SQL, ['tributary:state']);
        for (const stmt of sql.stateTablesSql(this.stateSchema)) await client.query(stmt);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        this.stateReady = undefined;
        throw err;
      }
    })();
    return this.stateReady;
  }

  async readCheckpoint(key: CheckpointKey): Promise<string | null> {
    return withPg(this.target, this.deps.secrets, async (client) => {
      await this.ensureState(client);
      const res = await client.query<{ position: string }>(sql.readCheckpointSql(this.stateSchema), [key.pipeline, key.region, key.source, key.stream]);
      return res.rows[0]?.position ?? null;
    });
  }

  async merge(batch: StagedBatch, spec: sql.MergeSpec): Promise<MergeResult> {
    const { unit } = batch;
    const client = await connectPg(this.target, this.deps.secrets);
    try {
      await this.ensureState(client);
      await client.query('BEGIN');
      await client.query(sql.LOCK_SQL, [`tributary:${spec.schema}.${spec.table}`]);
      const done = await client.query<Record<'rows_staged' | 'inserted' | 'updated' | 'unchanged' | 'deleted', string>>(
        sql.findBatchSql(this.stateSchema),
        [unit.batchId],
      );
      if (done.rows[0]) {
        await client.query('COMMIT');
        const r = done.rows[0];
        return {
          batchId: unit.batchId,
          rowsStaged: Number(r.rows_staged),
          inserted: Number(r.inserted),
          updated: Number(r.updated),
          unchanged: Number(r.unchanged),
          deleted: Number(r.deleted),
          alreadyCommitted: true,
        };
      }
      await client.query(sql.createSchemaSql(spec.schema));
      await client.query(sql.createTargetSql(spec));
      const existing = await client.query<{ name: string }>(
        `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass(quote_ident($1) || '.' || quote_ident($2)) AND attnum > 0 AND NOT attisdropped`,
        [spec.schema, spec.table],
      );
      for (const stmt of sql.addColumnsSql(spec, new Set(existing.rows.map((r) => r.name)))) await client.query(stmt);

      await client.query(sql.createStageSql(spec));
      let loaded = 0;
      for (const file of batch.files) {
        const copy = client.query(copyFrom(sql.copyIntoStageSql(spec)));
        await pipeline(this.deps.stage.reader(file.key), createGunzip(), copy);
        loaded += Number(copy.rowCount ?? 0);
      }
      if (loaded !== batch.rows) {
        throw new Error(`pipeline ${unit.pipeline}, source ${unit.source}: staged ${batch.rows} rows but the stage files hold ${loaded}; not merging`);
      }
      await client.query(sql.dedupSql(spec));
      const replaced = await client.query(sql.deleteReplacedSql(spec), [unit.region]);
      const written = await client.query(sql.insertSql(spec), [unit.region]);
      const updated = replaced.rowCount ?? 0;
      const inserted = (written.rowCount ?? 0) - updated;
      const incoming = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql.INCOMING_TABLE}`);
      const unchanged = Number(incoming.rows[0]?.n ?? 0) - inserted - updated;
      const result: MergeResult = { batchId: unit.batchId, rowsStaged: batch.rows, inserted, updated, unchanged, deleted: 0, alreadyCommitted: false };
      await client.query(sql.insertBatchSql(this.stateSchema), [
        unit.batchId,
        unit.pipeline,
        unit.region,
        unit.source,
        `${spec.schema}.${spec.table}`,
        unit.from,
        unit.to,
        batch.rows,
        inserted,
        updated,
        unchanged,
        0,
      ]);
      await client.query(sql.upsertCheckpointSql(this.stateSchema), [unit.pipeline, unit.region, unit.source, unit.stream, unit.to, unit.batchId]);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

// What `tributary status` reads of the warehouse ledger (checkpoints, last batch per source, rows
// of one run), through the warehouse dialect's own reads of its state tables.
import type { TributaryConfig } from '../config/schema.js';
import { noopMetrics } from '../activities/metrics/metrics.js';
import type { SecretProvider } from '../activities/secrets/provider.js';
import { createStage } from '../activities/stage/index.js';
import { createWarehouse } from '../activities/warehouse/index.js';
import { checkpointsSql, lastBatchesSql, ledgerCountsExistSql, ledgerExistsSql, offsetsSql, runCountsSql, runRowsSql } from './status-sql.js';
import type { ParamStyle } from '../activities/specs/capabilities.js';
import type { RowCounts } from '../activities/types.js';

export interface Ledger {
  /** By pipeline, region, source, stream (joined by ledgerKey). */
  checkpoints: Map<string, string>;
  /** ISO time of the last committed batch, by pipeline, region, source. */
  lastBatch: Map<string, string>;
}

/** A run's counts at one source, as its ledger rows add them up. */
export type RunCounts = Omit<RowCounts, 'staged'>;

export const ledgerKey = (...parts: string[]) => parts.join('\u0000');

export interface LedgerReader {
  /** Empty when nothing ever ran against the warehouse schema. */
  read(): Promise<Ledger>;
  /** Rows staged per source by one run. */
  runRows(pipeline: string, region: string, runId: string): Promise<Map<string, number>>;
  /** What one run's batches counted per source; empty for a ledger without the count columns yet. */
  runCounts(pipeline: string, region: string, runId: string): Promise<Map<string, RunCounts>>;
  /** Kafka-fed pipelines: the ledger's next offset per partition, by cell and topic (ledgerKey). */
  offsets(pipeline: string, region: string): Promise<Map<string, Map<number, number>>>;
}

/** One statement: rows as column name -> value; `params` bind in insertion order ($1, $2, …) or by name. */
type Query = (sql: string, params?: Record<string, string>) => Promise<Record<string, unknown>[]>;

export function ledgerReader(config: TributaryConfig, secrets: SecretProvider): LedgerReader {
  // The dialect reads its own state tables; the stage is never touched by a read.
  const dialect = createWarehouse({ config, secrets, stage: createStage(config.stage, secrets), metrics: noopMetrics });
  return readerOver(config.warehouse.schema, dialect.paramStyle, (sql, params) => dialect.queryState(sql, params));
}

function readerOver(schema: string, style: ParamStyle, query: Query): LedgerReader {
  const exists = async (table?: string) => {
    const { sql, params } = ledgerExistsSql(schema, style, table);
    return Number((await query(sql, params))[0]?.n ?? 0) > 0;
  };
  return {
    async read() {
      const ledger: Ledger = { checkpoints: new Map(), lastBatch: new Map() };
      if (!(await exists())) return ledger;
      for (const r of await query(checkpointsSql(schema))) {
        ledger.checkpoints.set(ledgerKey(String(r.pipeline), String(r.region), String(r.source), String(r.stream)), String(r.position));
      }
      for (const r of await query(lastBatchesSql(schema))) {
        ledger.lastBatch.set(ledgerKey(String(r.pipeline), String(r.region), String(r.source)), new Date(Number(r.loaded_at) * 1000).toISOString());
      }
      return ledger;
    },
    async runRows(pipeline, region, runId) {
      if (!(await exists())) return new Map();
      const { sql, params } = runRowsSql(schema, style);
      return new Map((await query(sql, params(pipeline, region, runId))).map((r) => [String(r.source), Number(r.rows)]));
    },
    async runCounts(pipeline, region, runId) {
      if (!(await exists())) return new Map();
      const has = ledgerCountsExistSql(schema, style);
      if (Number((await query(has.sql, has.params))[0]?.n ?? 0) === 0) return new Map();
      const { sql, params } = runCountsSql(schema, style);
      const n = (v: unknown) => Number(v ?? 0);
      return new Map(
        (await query(sql, params(pipeline, region, runId))).map((r) => [
          String(r.source),
          { read: n(r.read), inserted: n(r.inserted), updated: n(r.updated), unchanged: n(r.unchanged), deleted: n(r.deleted), deduplicated: n(r.deduplicated), deadLettered: n(r.dead_lettered) },
        ]),
      );
    },
    async offsets(pipeline, region) {
      const out = new Map<string, Map<number, number>>();
      if (!(await exists('tributary_offsets'))) return out;
      const { sql, params } = offsetsSql(schema, style);
      for (const r of await query(sql, params(pipeline, region))) {
        const key = ledgerKey(String(r.cell), String(r.topic));
        if (!out.has(key)) out.set(key, new Map());
        out.get(key)!.set(Number(r.kafka_partition), Number(r.next_offset));
      }
      return out;
    },
  };
}

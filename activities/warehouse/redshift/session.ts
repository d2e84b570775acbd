// What the topic and CDC merges need of the Redshift warehouse: the Data API, its config, DDL
// that tolerates a concurrent worker, state tables, the target's columns and one merge batch.
// RedshiftWarehouse implements it; redshift-topic.ts and redshift-cdc.ts see only this.
import type { WarehouseConfig } from '../../../config/schema.js';
import type { MergeActivity } from '../../heartbeat.js';
import type { S3Stage } from '../../stage/s3-stage.js';
import type { DataApi, StatementFailed } from './data-api.js';
import type { Param, TargetColumn } from './merge-sql.js';

export type RedshiftConfig = Extract<WarehouseConfig, { type: 'redshift' }>;

export interface RedshiftSession {
  readonly api: DataApi;
  readonly cfg: RedshiftConfig;
  /** DDL another worker may have run first: "already exists" is success. */
  ddl(stmt: string): Promise<void>;
  /** Creates the state tables a kind needs besides the fact ones, once per process. */
  ensureKindState(kind: string, sqls: string[]): Promise<void>;
  targetColumns(spec: { schema: string; table: string }): Promise<TargetColumn[]>;
  /** One merge batch (one transaction) under the merge limit; the row of statement `resultIndex`. */
  runBatch(sqls: string[], parameters: Param[], batchId: string, resultIndex: number, activity: MergeActivity): Promise<Record<string, unknown> | undefined>;
  /** The S3 stage Redshift loads from (a BadInput naming `label` when the stage is not S3). */
  s3Stage(label: string): S3Stage;
  /** A failed COPY explained from the load errors; null when none are recorded. */
  loadErrorMessage(err: StatementFailed, copyIndex: number, label: string, target: string): Promise<string | null>;
}

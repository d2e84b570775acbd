// Extracts one unit from its PostgreSQL source into the stage: a keyset chunk of a watermark
// range, or a snapshot (whole, or a window of changed rows) with per-row hashes. The kind says
// which. Returns references and counts only.
import { postgresEndpoints, sourceTable } from '../../../config/resolve.js';
import { unitEndpoint } from '../unit-endpoint.js';
import type { DimensionPipelineConfig, FactPipelineConfig } from '../../../config/schema.js';
import { type ActivityDeps } from '../../deps.js';
import { sourceTarget } from './target.js';
import type { DimensionUnit, FactUnit, KeysetBound, StagedBatch } from '../../types.js';
import { builtinTypesOnly, sameTypesEverywhere, tableColumns } from './columns.js';
import { withPg } from '../../pg/connect.js';
import { copyToStage } from './copy-to-stage.js';
import { snapshotCopySql } from './snapshot-sql.js';
import { keyColumns, rangeCopySql, rangeWhere, watermarkType } from './watermark-sql.js';
import { stagedColumnsOptions } from './staged-columns.js';
import type { DialectCapabilities } from '../../specs/capabilities.js';
import { stagedFileName } from '../../stage/staged-format.js';

/** How a unit's rows are read. */
export type PullRead =
  /** A keyset chunk of a watermark range: rows in [from, to), keys in (after, until]. */
  | { by: 'range'; watermark: string; from: string | null; to: string; after: KeysetBound | null; until: KeysetBound | null }
  /** Every row with its row hash, or only a window of changed rows. */
  | { by: 'snapshot'; window: { column: string; from: string | null; to: string } | null };

/** `progress` is called with bytes read so far (the activity heartbeats with it); `signal` aborts. */
export async function extractUnit(
  deps: ActivityDeps,
  p: FactPipelineConfig | DimensionPipelineConfig,
  unit: FactUnit | DimensionUnit,
  read: PullRead,
  /** What the warehouse takes: binary files, arrays as JSON. */
  warehouse: DialectCapabilities,
  progress: (bytes: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<StagedBatch> {
  const endpoint = unitEndpoint(postgresEndpoints(deps.config, p.source, unit.region), unit);
  const [schema, table] = sourceTable(p.table);
  const label = `pipeline ${p.name}, source ${endpoint.id}`;

  return withPg(sourceTarget(endpoint), deps.secrets, async (client) => {
    const extractedAt = new Date().toISOString();
    const columns = await tableColumns(client, schema, table, label);
    const key = keyColumns(columns, p.key, label);
    let copySql: string;
    let stagedColumns = columns;
    // Arrays as JSON for Redshift's SUPER; binary for PostgreSQL when it reads back (staged-columns.ts).
    // A column kept as another type (a domain's base, text) reads back from text only.
    const staged = stagedColumnsOptions(warehouse, warehouse.binaryStage && sameTypesEverywhere(columns) && (await builtinTypesOnly(client, schema, table)));
    if (read.by === 'range') {
      const type = watermarkType(columns, read.watermark, label);
      copySql = rangeCopySql({ schema, table, watermark: read.watermark, type, key, from: read.from, to: read.to }, columns, read.after, read.until, staged);
    } else {
      const w = read.window;
      const where = w ? rangeWhere({ watermark: w.column, type: watermarkType(columns, w.column, label), from: w.from, to: w.to }) : undefined;
      copySql = snapshotCopySql(schema, table, columns, where, staged);
      stagedColumns = [...columns, { name: '_row_hash', type: 'text' }];
    }
    try {
      const file = await copyToStage(client, copySql, deps.stage, `${unit.stagePrefix}/${stagedFileName('part-00000', staged.format ?? 'csv')}`, progress, signal);
      return { unit, columns, stagedColumns, files: [file], rows: file.rows, extractedAt, checksum: `sha256:${file.sha256}` };
    } catch (err) {
      throw new Error(`${label}: extract of ${unit.stream} failed: ${(err as Error).message}`, { cause: err });
    }
  });
}

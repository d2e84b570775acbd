// Verify a CDC pipeline in one region: the table its connector captures (options.capturedFrom, on
// the region's PostgreSQL server) against its warehouse target, whose rows are named by the Kafka
// clusters the changes came through, with the same buckets as pull pipelines. CDC has no
// checkpoint column: changes still in the topic (offset lag, as the next run plans it) are
// reported beside the drift, which they may explain.
import type pg from 'pg';
import { kafkaEndpoints, postgresEndpoints, sourceTable, targetTable, type PostgresEndpoint } from '../../../config/resolve.js';
import type { CdcPipelineConfig } from '../../../config/schema.js';
import { planCdc } from './plan.js';
import { type ActivityDeps } from '../../deps.js';
import { sourceTarget } from '../../sources/postgres/target.js';
import { badInput } from '../../errors.js';
import { tableColumns } from '../../sources/postgres/columns.js';
import { withPg } from '../../pg/connect.js';
import { keyColumns } from '../../sources/postgres/watermark-sql.js';
import type { CdcUnit, SourceVerify, VerifyInput, VerifyReport } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import type { BucketTable } from '../../reconcile/bucket-sql.js';
import { compareSides } from '../../reconcile/compare-sides.js';
import { pgBucketReader } from '../../reconcile/read.js';
import type { WarehouseSide } from '../../reconcile/side.js';
import { withWarehouseSide } from '../../reconcile/warehouse-side.js';

/** Offsets of the topic not applied yet, over the region's clusters and partitions. */
export function messagesBehind(units: readonly CdcUnit[]): number {
  const first = new Map<string, { from: number; end: number }>();
  for (const u of units) {
    for (const r of u.ranges) {
      const id = `${u.source}:${r.partition}`;
      const known = first.get(id);
      if (!known || r.from < known.from) first.set(id, { from: r.from, end: r.endOffset });
    }
  }
  return [...first.values()].reduce((n, x) => n + Math.max(0, x.end - x.from), 0);
}

export interface CdcSides {
  server: PostgresEndpoint;
  /** The Kafka clusters of the region: the target rows' _source. */
  clusters: string[];
  source: BucketTable;
  /** Null while the warehouse has no target table. */
  warehouse: (BucketTable & { warehouse: { source: string[]; softDeletes: boolean } }) | null;
}

/** The captured table and the target as verify reads them, with a connection to each side. */
export async function withCdcSides<T>(deps: ActivityDeps, p: CdcPipelineConfig, region: string, only: string | undefined, fn: (src: pg.Client, dst: WarehouseSide, t: CdcSides) => Promise<T>): Promise<T> {
  const from = p.options.capturedFrom;
  if (!from) throw badInput(`pipeline ${p.name}: verify compares a CDC target with the table its connector captures; set options.capturedFrom: { source, table }`);
  const servers = postgresEndpoints(deps.config, from.source, region).filter((e) => only === undefined || e.id === only);
  if (servers.length !== 1) {
    throw badInput(`pipeline ${p.name}: verify of a CDC pipeline needs one server of source ${from.source} in region ${region} (found ${servers.length}${only ? ` named ${only}` : ''})`);
  }
  const server = servers[0]!;
  const clusters = kafkaEndpoints(deps.config, p.source, region).map((e) => e.id);
  const [schema, table] = sourceTable(from.table);
  const [tSchema, tTable] = targetTable(deps.config, p);
  const label = `pipeline ${p.name}, source ${server.id}`;
  return withPg(sourceTarget(server), deps.secrets, (src) =>
    withWarehouseSide(deps, async (dst) => {
      const sourceColumns = await tableColumns(src, schema, table, label);
      keyColumns(sourceColumns, p.key, label);
      const targetCols = await dst.targetColumns(tSchema, tTable);
      const side = { key: p.key, columns: sourceColumns.filter((c) => targetCols.has(c.name)) };
      return fn(src, dst, {
        server,
        clusters,
        source: { schema, table, ...side, ...(dst.sourceForm ? { form: dst.sourceForm } : {}) },
        warehouse: targetCols.size === 0 ? null : { schema: tSchema, table: tTable, ...side, warehouse: { source: clusters, softDeletes: p.options.deletes === 'soft' } },
      });
    }),
  );
}

export async function verifyCdc(deps: ActivityDeps, warehouse: WarehouseDialect, p: CdcPipelineConfig, input: VerifyInput, buckets: number): Promise<VerifyReport> {
  const behind = messagesBehind(await planCdc({ deps, warehouse }, p, { region: input.region, runId: 'verify' }));
  let server: PostgresEndpoint | undefined;
  const result: SourceVerify = await withCdcSides(deps, p, input.region, input.source, async (src, dst, t) => {
    server = t.server;
    const compared = await compareSides(pgBucketReader(src), dst, t.server.id, { source: t.source, warehouse: t.warehouse, cutoff: null }, buckets, input.only ?? null);
    const note = behind > 0 && compared.drifted.length > 0 ? `${behind} messages of ${p.topic} are not applied yet: the next run may bring these rows` : compared.note;
    return { ...compared, ...(note ? { note } : {}) };
  });
  deps.metrics.drift({ pipeline: p.name, region: input.region, cell: server!.cell, source: server!.id, kind: p.kind }, result.drifted.length);
  // The repair is a resnapshot of the drifted keys, written to the signal table with the server's signalSecret.
  return { pipeline: p.name, region: input.region, kind: p.kind, repairable: Boolean(server!.signalSecret), buckets, sources: [result], driftedBuckets: result.drifted.length };
}

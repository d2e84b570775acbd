// Streams one watermark range of a source table into the stage as gzip CSV with COPY TO
// STDOUT: rows never sit in memory, and only the file reference and the count come back.
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import { findPipeline, postgresEndpoints, sourceTable } from '../../config/resolve.js';
import { sourceTarget, type ActivityDeps } from '../deps.js';
import type { FactUnit, StagedBatch } from '../types.js';
import { tableColumns } from './columns.js';
import { withPg } from './connect.js';
import { rangeCopySql, watermarkType } from './watermark-sql.js';

/** `progress` is called with bytes read so far (the activity heartbeats with it); `signal` aborts. */
export async function extractFactRange(
  deps: ActivityDeps,
  unit: FactUnit,
  progress: (bytes: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<StagedBatch> {
  const p = findPipeline(deps.config, unit.pipeline);
  if (p.kind !== 'fact') throw new Error(`pipeline ${unit.pipeline} is not a fact pipeline`);
  const endpoint = postgresEndpoints(deps.config, p.source, unit.region).find((e) => e.id === unit.source);
  if (!endpoint) throw new Error(`pipeline ${unit.pipeline}: source ${unit.source} is no longer in the config`);
  const [schema, table] = sourceTable(p.table);
  const label = `pipeline ${p.name}, source ${endpoint.id}`;

  return withPg(sourceTarget(endpoint), deps.secrets, async (client) => {
    const columns = await tableColumns(client, schema, table, label);
    const type = watermarkType(columns, p.watermark, label);
    const key = `${unit.stagePrefix}/part-00000.csv.gz`;
    const writer = await deps.stage.writer(key);
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        progress(bytes);
        cb(null, chunk);
      },
    });
    const copy = client.query(copyTo(rangeCopySql(schema, table, columns, p.watermark, type, unit.from, unit.to)));
    try {
      await pipeline(copy, meter, createGzip(), writer.stream, signal ? { signal } : {});
    } catch (err) {
      await writer.abort();
      throw new Error(`${label}: extract of ${unit.stream} failed: ${(err as Error).message}`, { cause: err });
    }
    const rows = Number(copy.rowCount ?? 0);
    const file = await writer.commit(rows);
    return { unit, columns, files: [file], rows };
  });
}


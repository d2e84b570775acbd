// Streams a COPY ... TO STDOUT into one gzip file in the stage: rows never sit in memory,
// and a failure leaves no file that looks whole.
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Stage, StagedFile } from '../../stage/stage.js';

export async function copyToStage(
  client: pg.Client,
  copySql: string,
  stage: Stage,
  key: string,
  progress: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<StagedFile> {
  const writer = await stage.writer(key);
  let bytes = 0;
  // The batch checksum kept in the ledger: sha256 of the CSV as the source sent it.
  const hash = createHash('sha256');
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      hash.update(chunk);
      progress(bytes);
      cb(null, chunk);
    },
  });
  const copy = client.query(copyTo(copySql));
  try {
    await pipeline(copy, meter, createGzip({ level: 1 }), writer.stream, signal ? { signal } : {});
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { ...(await writer.commit(Number(copy.rowCount ?? 0))), sha256: hash.digest('hex') };
}

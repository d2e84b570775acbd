// Loads a batch's staged dead-letter files into tributary_dead_letters inside the merge's
// transaction: COPY into a temp table, then one insert with where they came from.
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Stage, StagedFile } from '../../stage/stage.js';
import { gunzipStaged, stagedFileError } from '../../stage/staged-format.js';
import { copyDeadLettersSql, createDeadStageSql, insertDeadLettersSql } from './dead-letters-sql.js';

/** `where`: pipeline, region, source, cell, topic, batch id. Returns what the files held and what was inserted. */
export async function loadDeadLetters(client: pg.Client, stage: Stage, schema: string, files: readonly StagedFile[], where: string[], label: string): Promise<{ staged: number; inserted: number }> {
  if (files.length === 0) return { staged: 0, inserted: 0 };
  await client.query(createDeadStageSql());
  let staged = 0;
  for (const f of files) {
    const copy = client.query(copyFrom(copyDeadLettersSql()));
    await pipeline(stage.reader(f.key), gunzipStaged(), copy).catch((err: unknown) => {
      throw stagedFileError(err, f.key, label);
    });
    staged += Number(copy.rowCount ?? 0);
  }
  const inserted = staged > 0 ? ((await client.query(insertDeadLettersSql(schema), where)).rowCount ?? 0) : 0;
  return { staged, inserted };
}

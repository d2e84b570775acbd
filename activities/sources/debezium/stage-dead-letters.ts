// Writes a CDC batch's dead letters to the stage as the topic kind's dead-letters file (gzip CSV
// of DEAD_LETTER_COLUMNS), beside the batch's changes.
import type { ActivityDeps } from '../../deps.js';
import type { StagedFile } from '../../stage/stage.js';
import type { CdcUnit } from '../../types.js';
import { openCsv } from '../kafka/extract-topic.js';

export async function stageDeadLetters(deps: ActivityDeps, unit: CdcUnit, lines: readonly string[]): Promise<StagedFile> {
  const file = await openCsv(deps.stage, `${unit.stagePrefix}/dead-letters.csv.gz`);
  try {
    for (const line of lines) await file.write(line, 1);
  } catch (err) {
    await file.abort();
    throw err;
  }
  return file.commit();
}

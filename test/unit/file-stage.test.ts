import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { expect, it } from 'vitest';
import { FileStage } from '../../activities/stage/file-stage.js';

it('makes a file visible only when committed, and lists it', async () => {
  const stage = new FileStage(mkdtempSync(join(tmpdir(), 'tributary-stage-')));
  const w = await stage.writer('p/us/run/0/part-00000.csv.gz');
  w.stream.end('a,b\n');
  expect(await stage.list('p')).toEqual([]);
  const file = await w.commit(1);
  expect(file).toEqual({ key: 'p/us/run/0/part-00000.csv.gz', rows: 1, bytes: 4 });
  expect(await stage.list('p')).toEqual(['p/us/run/0/part-00000.csv.gz']);
  expect(await text(stage.reader(file.key))).toBe('a,b\n');
});

it('drops an aborted file and refuses keys outside the stage', async () => {
  const stage = new FileStage(mkdtempSync(join(tmpdir(), 'tributary-stage-')));
  const w = await stage.writer('p/x.csv.gz');
  w.stream.write('partial');
  await w.abort();
  expect(await stage.list('p')).toEqual([]);
  await expect(stage.writer('../escape.csv.gz')).rejects.toThrow('escapes the stage folder');
});

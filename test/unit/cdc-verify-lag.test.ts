// What verify of a CDC pipeline reports beside the drift: the offsets of the topic not applied
// yet, from the next run's plan (per cluster and partition, from the first range to the end).
import { expect, it } from 'vitest';
import { messagesBehind } from '../../activities/kinds/cdc/verify.js';
import type { CdcUnit } from '../../activities/types.js';

const unit = (source: string, ranges: [number, number, number, number][]): CdcUnit => ({
  kind: 'cdc',
  pipeline: 'p',
  region: 'us',
  source,
  stream: 't',
  cell: source,
  topic: 't',
  checkpoint: null,
  batchId: 'b',
  stagePrefix: 's',
  ranges: ranges.map(([partition, from, to, endOffset]) => ({ partition, from, to, committed: from, endOffset })),
});

it('counts each partition once, from its first planned offset to its end', () => {
  const units = [unit('c1', [[0, 10, 20, 35], [1, 5, 6, 6]]), unit('c1', [[0, 20, 30, 35]]), unit('c2', [[0, 0, 3, 3]])];
  expect(messagesBehind(units)).toBe(25 + 1 + 3);
  expect(messagesBehind([])).toBe(0);
});

// Topic pipelines: JSON messages of one topic on every cell cluster of a region, loaded by exact
// offset ranges per partition that follow the warehouse ledger (exactly once).
import { extractTopicUnit } from '../../sources/kafka/extract-topic.js';
import type { PipelineKind } from '../kind.js';
import { mergeTopic } from './merge.js';
import { planTopic } from './plan.js';
import { verifyTopic } from './verify.js';

// The kind's unit, registered under its name (activities/types.ts UnitsByKind).
declare module '../../types.js' {
  interface UnitsByKind {
    topic: TopicUnit;
  }
}

export const topic: PipelineKind<'topic'> = {
  plan: planTopic,
  // A partition's batches merge in offset order: each follows the ledger's position.
  parallelism: (_ctx, p) => ({ extract: p.options.maxParallel, merge: 1 }),
  full: (p, u) => u.to - u.from >= p.options.maxMessagesPerPartition,
  progress: 'messages',
  extract: ({ deps, warehouse }, p, unit, progress, signal) => extractTopicUnit(deps, p, unit, warehouse.capabilities, progress, signal),
  merge: ({ deps, warehouse }, p, batch) => mergeTopic(deps, warehouse, p, batch),
  range: (u) => ({ source: u.source, partition: u.partition, from: String(u.from), to: String(u.to) }),
  rewritesPast: () => false,
  status: (p) => ({ reads: 'topic', topic: p.topic, missingIsEmpty: false }),
  // By offset: the applied range of each partition against the target rows and dead letters.
  verify: ({ deps, warehouse }, p, input) => verifyTopic(deps, warehouse, p, input),
};

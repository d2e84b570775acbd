// CDC pipelines over topics a test produces Debezium events to by hand (test/fixtures/debezium/
// change-event.ts), with no connector: the topics on cell us/cell-1, workers for region us, and
// their removal with the warehouse schema.
import type { TributaryConfig } from '../../config/schema.js';
import { startHarness, type Harness } from './harness.js';
import { createTopic, deleteTopic, dropSchema } from './topic-fixture.js';

export const PRODUCED_CELL = 'us/cell-1';

/** Creates the topics (name: partitions), then starts the workers. */
export async function startOnTopics(config: TributaryConfig, topics: Record<string, number>): Promise<Harness> {
  for (const [topic, partitions] of Object.entries(topics)) await createTopic(PRODUCED_CELL, topic, partitions);
  return startHarness(config, ['us']);
}

export async function removeTopics(harness: Harness | undefined, config: TributaryConfig | undefined, topics: string[]): Promise<void> {
  await harness?.close();
  for (const topic of topics) await deleteTopic(PRODUCED_CELL, topic);
  if (config) await dropSchema(config.warehouse.schema);
}

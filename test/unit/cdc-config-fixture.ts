// A config of CDC pipelines over a Kafka source with two cells in us and one in eu, for the
// tests of what `tributary cdc` checks against the config before it talks to anything.
import { validateConfig } from '../../config/load.js';

export const CDC_CLI_CONFIG = validateConfig('t', {
  sources: {
    events: {
      type: 'kafka',
      clusters: [
        { region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] },
        { region: 'us', cell: 'cell-2', brokers: ['127.0.0.1:19093'] },
        { region: 'eu', cell: 'cell-1', brokers: ['127.0.0.1:19094'] },
      ],
    },
  },
  warehouse: { type: 'postgres', secret: 'warehouse' },
  stage: { type: 'file', path: 'stage' },
  secrets: { provider: 'env' },
  temporal: { taskQueuePrefix: 'prod' },
  pipelines: [
    { name: 'orders-cdc', kind: 'cdc', source: 'events', topic: 'app.public.orders', target: 'orders', key: ['id'] },
    { name: 'us-only', kind: 'cdc', source: 'events', regions: ['us'], topic: 'app.public.items', target: 'items', key: ['id'] },
    { name: 'clicks', kind: 'topic', source: 'events', topic: 'clicks', target: 'clicks', columns: [{ name: 'id', path: '$.id', type: 'bigint' }] },
  ],
});

// What `tributary cdc` checks before it talks to Temporal: the pipeline is a cdc pipeline that
// runs in the region, and the workflow id is one per deployment, pipeline and region.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load.js';
import { cdcPipeline, cdcRegions } from '../../client/cdc-continuous.js';
import { cdcWorkflowId } from '../../names/temporal-ids.js';

const config = validateConfig('t', {
  sources: {
    events: {
      type: 'kafka',
      clusters: [
        { region: 'us', cell: 'cell-1', brokers: ['127.0.0.1:19092'] },
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
    { name: 'clicks', kind: 'topic', source: 'events', topic: 'clicks', target: 'clicks', columns: [{ name: 'id', path: 'id', type: 'bigint' }] },
  ],
});

describe('tributary cdc: pipelines, regions and workflow ids', () => {
  it('takes every region of the pipeline without --region, and checks the one given', () => {
    expect(cdcRegions(config, 'orders-cdc')).toEqual(['us', 'eu']);
    expect(cdcRegions(config, 'us-only')).toEqual(['us']);
    expect(cdcRegions(config, 'orders-cdc', 'eu')).toEqual(['eu']);
    expect(() => cdcRegions(config, 'us-only', 'eu')).toThrow(new RangeError('pipeline "us-only" does not run in region "eu" (its regions: us)'));
  });

  it('refuses a pipeline that is not declared or not a cdc pipeline, as bad usage', () => {
    expect(() => cdcRegions(config, 'nope')).toThrow(new RangeError('pipeline "nope" is not in the config (declared: orders-cdc, us-only, clicks)'));
    expect(() => cdcPipeline(config, 'clicks', 'us')).toThrow(new RangeError('pipeline "clicks" is a topic pipeline; only cdc pipelines run continuously'));
  });

  it('names the workflow by deployment, pipeline and region', () => {
    expect(cdcWorkflowId(config, 'orders-cdc', 'eu')).toBe('prod/cdc/orders-cdc/eu');
  });
});

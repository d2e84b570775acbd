// What `tributary cdc` checks before it talks to Temporal: the pipeline is a cdc pipeline that
// runs in the region, and the workflow id is one per deployment, pipeline and region.
import { describe, expect, it } from 'vitest';
import { CDC_CLI_CONFIG } from './cdc-config-fixture.js';
import { cdcPipeline, cdcRegions } from '../../client/cdc-continuous.js';
import { cdcWorkflowId } from '../../names/temporal-ids.js';

const config = CDC_CLI_CONFIG;

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

// `tributary cdc skip`: what it checks against the config before it touches the warehouse.
import { describe, expect, it } from 'vitest';
import { CDC_CLI_CONFIG } from './cdc-config-fixture.js';
import { skipKey } from '../../client/cdc-skip.js';
import { cdcSkip } from '../../cli/commands/cdc-skip.js';
import { UsageError } from '../../cli/output.js';

const config = CDC_CLI_CONFIG;

describe('cdc skip, checked against the config', () => {
  it('names the ledger key: the pipeline, region, cell and the pipeline topic', () => {
    expect(skipKey(config, { pipeline: 'orders-cdc', region: 'us', cell: 'cell-2', partition: 0, offset: 17 })).toEqual({ pipeline: 'orders-cdc', region: 'us', cell: 'cell-2', topic: 'app.public.orders' });
    // One cluster in the region: --cell may be left out.
    expect(skipKey(config, { pipeline: 'orders-cdc', region: 'eu', partition: 3, offset: 0 })).toEqual({ pipeline: 'orders-cdc', region: 'eu', cell: 'cell-1', topic: 'app.public.orders' });
  });

  it('refuses another kind, a region or cell the pipeline lacks, a missing cell among several, and a negative offset', () => {
    const bad = (req: Parameters<typeof skipKey>[1]) => () => skipKey(config, req);
    expect(bad({ pipeline: 'clicks', region: 'us', cell: 'cell-1', partition: 0, offset: 1 })).toThrow(/pipeline clicks is a topic pipeline/);
    expect(bad({ pipeline: 'orders-cdc', region: 'ap', partition: 0, offset: 1 })).toThrow(/does not run in region "ap" \(its regions: us, eu\)/);
    expect(bad({ pipeline: 'orders-cdc', region: 'us', partition: 0, offset: 1 })).toThrow(/source events has 2 clusters there; name one with --cell \(cell-1, cell-2\)/);
    expect(bad({ pipeline: 'orders-cdc', region: 'us', cell: 'cell-9', partition: 0, offset: 1 })).toThrow(/has no cell "cell-9"/);
    expect(bad({ pipeline: 'orders-cdc', region: 'eu', partition: 0, offset: -1 })).toThrow(/--offset: expected a whole number of at least 0, got -1/);
  });

  it('the command: a missing or malformed flag is a usage error, before anything is read', async () => {
    const flags = { region: 'eu', cell: undefined, partition: '0', offset: '5' };
    await expect(cdcSkip(config, 'orders-cdc', { ...flags, region: undefined }, false)).rejects.toThrow(UsageError);
    await expect(cdcSkip(config, 'orders-cdc', { ...flags, offset: undefined }, false)).rejects.toThrow(/cdc skip needs --offset/);
    await expect(cdcSkip(config, 'orders-cdc', { ...flags, partition: 'one' }, false)).rejects.toThrow(/--partition: expected a whole number of at least 0, got "one"/);
    await expect(cdcSkip(config, 'orders-cdc', { ...flags, region: 'us' }, false)).rejects.toThrow(UsageError);
  });
});

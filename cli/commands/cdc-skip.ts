// `tributary cdc skip PIPELINE --region R [--cell C] --partition P --offset O [--json]`: records
// one event of the pipeline's topic in the warehouse's skip list (client/cdc-skip.ts).
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { skipCdcEvent, skipKey, type CdcSkipRequest } from '../../client/cdc-skip.js';
import type { TributaryConfig } from '../../config/schema.js';
import { table, UsageError } from '../output.js';

interface SkipFlags {
  region: string | undefined;
  cell: string | undefined;
  partition: string | undefined;
  offset: string | undefined;
}

const wholeNumber = (flag: string, v: string | undefined): number => {
  if (v === undefined) throw new UsageError(`cdc skip needs --${flag}`);
  if (!/^\d{1,15}$/.test(v)) throw new UsageError(`--${flag}: expected a whole number of at least 0, got "${v}"`);
  return Number(v);
};

export async function cdcSkip(config: TributaryConfig, pipeline: string, flags: SkipFlags, json: boolean): Promise<number> {
  if (flags.region === undefined) throw new UsageError('cdc skip needs --region (the region whose batch halted)');
  const req: CdcSkipRequest = { pipeline, region: flags.region, ...(flags.cell === undefined ? {} : { cell: flags.cell }), partition: wholeNumber('partition', flags.partition), offset: wholeNumber('offset', flags.offset) };
  try {
    skipKey(config, req);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  const r = await skipCdcEvent(config, createSecretProvider(config.secrets), req);
  if (json) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(table(['pipeline', 'region', 'cell', 'topic', 'partition', 'offset', 'result'], [[r.pipeline, r.region, r.cell, r.topic, r.partition, r.offset, 'skip recorded']]));
    console.error(`the next batch of ${r.pipeline} in ${r.region} that reaches offset ${r.offset} stages it as a dead letter (reason "skipped by operator") and applies the rest`);
  }
  return 0;
}

// Worker process: `tsx workers/main.ts --region us [--config FILE]`.
// Temporal's runtime stops the worker gracefully on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { defaultConfigPath, loadConfig } from '../config/load.js';
import { allRegions } from '../config/resolve.js';
import { createRegionWorker } from './create-worker.js';

Runtime.install({ logger: new DefaultLogger((process.env.TRIBUTARY_LOG_LEVEL?.toUpperCase() ?? 'INFO') as LogLevel) });

const { values } = parseArgs({ options: { region: { type: 'string' }, config: { type: 'string' } } });
const configPath = values.config ?? defaultConfigPath();
const config = loadConfig(configPath);
const region = values.region;
if (!region || !allRegions(config).includes(region)) {
  console.error(`worker: --region must be one of ${allRegions(config).join(', ')} (the regions of ${configPath})`);
  process.exit(2);
}
const { worker, connection, taskQueue } = await createRegionWorker(config, region);
console.log(JSON.stringify({ msg: 'worker started', region, taskQueue, pid: process.pid }));
try {
  await worker.run();
} finally {
  await connection.close();
}

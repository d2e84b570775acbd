// The demo's entry point (make demo): node --import tsx cli/demo/main.ts [--config FILE].
// Seeds the local sources, syncs them through Temporal and shows the warehouse (cli/demo/demo.ts).
import { parseArgs } from 'node:util';
import { defaultConfigPath, loadConfig } from '../../config/load.js';
import { exitWith } from '../exit.js';
import { scrubProcessOutput } from '../scrubbed-output.js';
import { demo } from './demo.js';

const USAGE = 'usage: node --import tsx cli/demo/main.ts [--config FILE]   (make demo starts the local stack first)';

function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    console.log(USAGE);
    return Promise.resolve(0);
  }
  return demo(loadConfig(values.config ?? defaultConfigPath()));
}

scrubProcessOutput();
exitWith(
  Promise.resolve().then(() => main(process.argv.slice(2))),
  () => USAGE,
);

// The `tributary` command. Exit codes: 0 ok, 1 the operation failed, 2 bad usage or bad config.
import { parseArgs } from 'node:util';
import { ConfigError, defaultConfigPath, loadConfig } from '../config/load.js';
import { validate } from './commands/validate.js';
import { run } from './commands/run.js';
import { apply } from './commands/apply.js';
import { pause } from './commands/pause.js';
import { trigger } from './commands/trigger.js';
import { demo } from './demo/demo.js';

const USAGE = `usage: tributary <command> [options]

commands:
  validate [FILE]              check a config file (default: $TRIBUTARY_CONFIG or config/examples/local.yaml)
  run PIPELINE [--region R]    start a run now and follow it to the end (needs a worker per region)
  apply [--dry-run]            create, update and delete Temporal schedules to match the config
  pause PIPELINE [--region R]  pause its schedules (--note TEXT says why); runs in flight go on
  resume PIPELINE [--region R] resume its schedules
  trigger PIPELINE [--region R]  fire its schedules now (skipped while a run is in flight)
  demo                         seed the local sources, sync them through Temporal, show the warehouse

options:
  --config FILE                the pipeline config
  --json                       machine-readable output`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string' }, region: { type: 'string' }, json: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false }, note: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const configPath = values.config ?? defaultConfigPath();
  switch (command) {
    case 'validate':
      return validate(arg ?? configPath);
    case 'run':
      if (!arg) throw new UsageError('run needs a pipeline name: tributary run PIPELINE [--region R]');
      return run(loadConfig(configPath), arg, values.region, values.json ?? false);
    case 'apply':
      return apply(loadConfig(configPath), values['dry-run'] ?? false, values.json ?? false);
    case 'pause':
    case 'resume':
      if (!arg) throw new UsageError(`${command} needs a pipeline name: tributary ${command} PIPELINE [--region R]`);
      return pause(loadConfig(configPath), command === 'pause', arg, values.region, values.note, values.json ?? false);
    case 'trigger':
      if (!arg) throw new UsageError('trigger needs a pipeline name: tributary trigger PIPELINE [--region R]');
      return trigger(loadConfig(configPath), arg, values.region, values.json ?? false);
    case 'demo':
      return demo(loadConfig(configPath));
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`tributary: ${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`tributary: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

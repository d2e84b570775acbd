// The `tributary` command. Exit codes: 0 ok, 1 the operation failed, 2 bad usage or bad config.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, defaultConfigPath, loadConfig } from '../config/load.js';
import { validate } from './commands/validate.js';
import { run } from './commands/run.js';
import { apply } from './commands/apply.js';
import { pause } from './commands/pause.js';
import { trigger } from './commands/trigger.js';
import { backfill } from './commands/backfill.js';
import { verify } from './commands/verify.js';
import { status } from './commands/status.js';
import { replay } from './commands/replay.js';
import { cdc, CDC_ACTIONS, type CdcAction } from './commands/cdc.js';
import { UsageError } from './output.js';
import { demo } from './demo/demo.js';

const USAGE = `usage: tributary <command> [options]

commands:
  validate [FILE]              check a config file (default: $TRIBUTARY_CONFIG or config/examples/local.yaml)
  run PIPELINE [--region R] [--full-pass]
                               start a run now and follow it to the end (needs a worker per region);
                               --full-pass: an incremental dimension reads the whole table now
  apply [--dry-run]            create, update and delete Temporal schedules to match the config
  pause PIPELINE [--region R]  pause its schedules (--note TEXT says why); runs in flight go on
  resume PIPELINE [--region R] resume its schedules
  trigger PIPELINE [--region R]  fire its schedules now (skipped while a run is in flight)
  backfill PIPELINE --region R [--from T --to T] [--source S] [--chunk-rows N] [--max-parallel N] [--adopt-zone]
                               re-sync a past watermark range [from, to) in chunks (a dimension: the
                               whole table); shows progress; the same command attaches to a running one;
                               --adopt-zone: a naive watermark now read in another zone starts its
                               checkpoint of that zone at --from (docs/watermarks.md)
  verify PIPELINE [--region R] [--source S] [--buckets N] [--repair]
                               compare source and warehouse per bucket; --repair re-syncs the drifted ones
  status [PIPELINE]            per pipeline, region and source: last success, rows, freshness, lag, state
  replay PIPELINE --region R [--since T] [--until T] [--dry-run]
                               merge again what runs since T staged (still in the stage), without
                               reading the source; --dry-run lists the batches
  cdc start|stop|status PIPELINE [--region R]
                               a cdc pipeline's continuous workflow: start it (pauses its schedule
                               while it runs), stop it (after the batch in progress), or show its
                               state and freshness
  demo                         seed the local sources, sync them through Temporal, show the warehouse

options:
  --config FILE                the pipeline config
  --json                       machine-readable output
  --version                    the version of tributary
  a flag the command does not take is refused (exit 2)

exit codes: 0 ok; 1 the operation failed (a run failed, drift found or left, a pipeline failed);
            2 bad usage or bad config (nothing was done)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string' }, region: { type: 'string' }, json: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false }, note: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, source: { type: 'string' }, buckets: { type: 'string' }, repair: { type: 'boolean', default: false }, 'adopt-zone': { type: 'boolean', default: false }, 'full-pass': { type: 'boolean', default: false }, 'chunk-rows': { type: 'string' }, 'max-parallel': { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    tokens: true,
  });
  const [command, arg] = positionals;
  if (values.version) {
    console.log(`tributary ${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version}`);
    return 0;
  }
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  refuseForeignFlags(command, tokens);
  const configPath = values.config ?? defaultConfigPath();
  switch (command) {
    case 'validate':
      return validate(arg ?? configPath);
    case 'run':
      if (!arg) throw new UsageError('run needs a pipeline name: tributary run PIPELINE [--region R]');
      return run(loadConfig(configPath), arg, values.region, values.json ?? false, values['full-pass'] ?? false);
    case 'apply':
      return apply(loadConfig(configPath), values['dry-run'] ?? false, values.json ?? false);
    case 'pause':
    case 'resume':
      if (!arg) throw new UsageError(`${command} needs a pipeline name: tributary ${command} PIPELINE [--region R]`);
      return pause(loadConfig(configPath), command === 'pause', arg, values.region, values.note, values.json ?? false);
    case 'trigger':
      if (!arg) throw new UsageError('trigger needs a pipeline name: tributary trigger PIPELINE [--region R]');
      return trigger(loadConfig(configPath), arg, values.region, values.json ?? false);
    case 'replay':
      if (!arg || !values.region) throw new UsageError('replay needs a pipeline and a region: tributary replay PIPELINE --region R [--since T] [--until T]');
      return replay(loadConfig(configPath), { pipeline: arg, region: values.region, since: values.since, until: values.until, dryRun: values['dry-run'] ?? false }, values.json ?? false);
    case 'backfill':
      if (!arg || !values.region) throw new UsageError('backfill needs a pipeline and a region: tributary backfill PIPELINE --region R [--from T --to T]');
      return backfill(
        loadConfig(configPath),
        { pipeline: arg, region: values.region, source: values.source, from: values.from, to: values.to, chunkRows: count(values['chunk-rows'], '--chunk-rows'), maxParallel: count(values['max-parallel'], '--max-parallel'), adoptZone: values['adopt-zone'] ?? false },
        values.json ?? false,
      );
    case 'verify':
      if (!arg) throw new UsageError('verify needs a pipeline name: tributary verify PIPELINE [--region R] [--buckets N] [--repair]');
      return verify(loadConfig(configPath), arg, { region: values.region, source: values.source, buckets: count(values.buckets, '--buckets'), repair: values.repair ?? false, json: values.json ?? false });
    case 'status':
      return status(loadConfig(configPath), arg, values.json ?? false);
    case 'cdc': {
      const pipeline = positionals[2];
      if (!CDC_ACTIONS.includes(arg as CdcAction) || !pipeline) throw new UsageError('cdc needs an action and a pipeline: tributary cdc start|stop|status PIPELINE [--region R]');
      return cdc(loadConfig(configPath), arg as CdcAction, pipeline, values.region, values.json ?? false);
    }
    case 'demo':
      return demo(loadConfig(configPath));
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** The flags each command takes besides --config and --help; any other is a usage error, not silently ignored. */
const FLAGS: Record<string, string[]> = {
  validate: [],
  run: ['region', 'json', 'full-pass'],
  apply: ['dry-run', 'json'],
  pause: ['region', 'note', 'json'],
  resume: ['region', 'json'],
  trigger: ['region', 'json'],
  replay: ['region', 'since', 'until', 'dry-run', 'json'],
  backfill: ['region', 'from', 'to', 'source', 'chunk-rows', 'max-parallel', 'adopt-zone', 'json'],
  verify: ['region', 'source', 'buckets', 'repair', 'json'],
  status: ['json'],
  cdc: ['region', 'json'],
  demo: [],
};

function refuseForeignFlags(command: string, tokens: ReturnType<typeof parseArgs>['tokens']): void {
  const allowed = FLAGS[command];
  if (!allowed) return; // an unknown command is refused by the switch below
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || t.name === 'config' || t.name === 'help') continue;
    if (!allowed.includes(t.name)) {
      throw new UsageError(`${command} does not take --${t.name}${allowed.length ? ` (it takes ${allowed.map((f) => `--${f}`).join(', ')})` : ''}`);
    }
  }
}

/** A whole positive number from a flag, or undefined when the flag is absent. */
function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a whole number of at least 1, got "${value}"`);
  return n;
}

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
    // A failed run's message is "Workflow execution failed": the innermost cause says what broke.
    let cause: unknown = err;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    const detail = cause !== err && cause instanceof Error ? `: ${cause.message}` : '';
    console.error(`tributary: ${err instanceof Error ? err.message : String(err)}${detail}`);
    process.exit(1);
  },
);

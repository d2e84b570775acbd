// The commands of `tributary`, one entry each: arguments, flags, summary, help and handler.
// Parsing, `tributary --help`, `tributary <command> -h`, the usage errors and the README's command
// list (npm run readme:cli) are all made from this table. Handlers load their module when they
// run, so help and usage errors answer without loading the Temporal client.
import { command, type Command, type FlagSpec } from './spec.js';
import { UsageError } from './output.js';
import { commandHelp, globalHelp } from './usage.js';

const REGION = { name: 'region', type: 'string', value: 'R', help: "one region only (default: each of the pipeline's regions)" } as const satisfies FlagSpec;
const JSON_OUT = { name: 'json', type: 'boolean', help: 'machine-readable output on stdout (progress stays on stderr)' } as const satisfies FlagSpec;
const PIPELINE = { name: 'pipeline', required: true, help: 'a pipeline of the config' } as const;

export const COMMANDS: readonly Command[] = [
  command({
    name: 'validate',
    summary: 'check a config file (FILE, else --config, else $TRIBUTARY_CONFIG)',
    help: 'Exit 0 and a summary of its sources and pipelines, or exit 2 with every problem, by line.',
    args: [{ name: 'file', required: false, help: 'the config to check (default: --config FILE, else $TRIBUTARY_CONFIG, else config/examples/local.yaml)' }],
    flags: [],
    run: async ({ args, configPath }) => (await import('./commands/validate.js')).validate(args.file ?? configPath),
  }),
  command({
    name: 'run',
    summary: 'start a run now and follow it to the end (needs a worker per region)',
    help: 'Progress (units merged of planned, per region) goes to stderr; the results table to stdout.\nExit 1 if a run failed.',
    args: [PIPELINE],
    flags: [REGION, { name: 'full-pass', type: 'boolean', help: 'an incremental dimension reads the whole table now' }, JSON_OUT],
    run: async ({ args, flags, expanded }) => (await import('./commands/run.js')).run(await expanded(), args.pipeline, flags.region, flags.json, flags['full-pass']),
  }),
  command({
    name: 'apply',
    summary: 'create, update and delete Temporal schedules (and managed CDC connectors) to match the config',
    help:
      'Idempotent; never touches schedules it does not own and keeps a pause made by hand.\n' +
      'Captures (cdc entries with capture:) first get their publication, topics and Debezium connector; a capture gone from the config has its connector stopped, its slot kept.\n' +
      'Exit 1 if a schedule or a capture failed or conflicts.',
    args: [],
    flags: [
      { name: 'dry-run', type: 'boolean', help: 'show what would change, change nothing' },
      { name: 'drop-slot', type: 'boolean', help: 'captures gone from the config: delete their connectors and drop their replication slots and publications' },
      JSON_OUT,
    ],
    run: async ({ flags, config }) => (await import('./commands/apply.js')).apply(config(), flags['dry-run'], flags.json, flags['drop-slot']),
  }),
  command({
    name: 'plan',
    summary: 'read every source catalog and show what the table sets expand to',
    help:
      'Per table set and region: table, kind, key, watermark, target and pipeline; then what was left out and why, and what is new or gone since the last apply. ' +
      'Changes nothing (apply stores the catalogs and follows them).\nExit 1 if a catalog could not be read.',
    args: [],
    flags: [JSON_OUT],
    run: async ({ flags, config }) => (await import('./commands/plan.js')).plan(config(), flags.json),
  }),
  command({
    name: 'pause',
    summary: 'pause its schedules; runs in flight go on',
    args: [PIPELINE],
    flags: [REGION, { name: 'note', type: 'string', value: 'TEXT', help: 'why it is paused (kept with the schedule; default: "paused with tributary pause")' }, JSON_OUT],
    run: async ({ args, flags, expanded }) => (await import('./commands/pause.js')).pause(await expanded(), true, args.pipeline, flags.region, flags.note, flags.json),
  }),
  command({
    name: 'resume',
    summary: 'resume its schedules',
    args: [PIPELINE],
    flags: [REGION, JSON_OUT],
    run: async ({ args, flags, expanded }) => (await import('./commands/pause.js')).pause(await expanded(), false, args.pipeline, flags.region, undefined, flags.json),
  }),
  command({
    name: 'trigger',
    summary: 'fire its schedules now (skipped while a run is in flight)',
    help: 'A triggered run needs a worker for its region, like a scheduled one.',
    args: [PIPELINE],
    flags: [REGION, JSON_OUT],
    run: async ({ args, flags, expanded }) => (await import('./commands/trigger.js')).trigger(await expanded(), args.pipeline, flags.region, flags.json),
  }),
  command({
    name: 'backfill',
    summary: 're-sync a past watermark range [from, to) in chunks, with progress',
    help:
      "A fact pipeline re-syncs the range --from to --to of its watermark; a dimension the whole table (leave out --from and --to). " +
      "Chunks go through the same extract and merge as a run but carry no checkpoint, so the pipeline's checkpoint never moves back. " +
      'The same command attaches to a backfill already running for that range; Ctrl-C stops following it, not the backfill.',
    args: [PIPELINE],
    flags: [
      { ...REGION, help: 'the region to re-sync', required: true },
      { name: 'from', type: 'string', value: 'T', help: 'start of the range, included (a date or timestamp, UTC unless it has a zone)' },
      { name: 'to', type: 'string', value: 'T', help: 'end of the range, excluded' },
      { name: 'source', type: 'string', value: 'S', help: 'one source server only (e.g. app/us)' },
      { name: 'chunk-rows', type: 'count', value: 'N', help: "rows per chunk (default: the pipeline's chunkRows)" },
      { name: 'max-parallel', type: 'count', value: 'N', help: "chunks extracted and merged at a time (default: the pipeline's maxParallel)" },
      { name: 'adopt-zone', type: 'boolean', help: 'a naive watermark now read in another zone starts its checkpoint of that zone at --from (docs/watermarks.md)' },
      JSON_OUT,
    ],
    run: async ({ args, flags, expanded }) =>
      (await import('./commands/backfill.js')).backfill(
        await expanded(),
        { pipeline: args.pipeline, region: flags.region, source: flags.source, from: flags.from, to: flags.to, chunkRows: flags['chunk-rows'], maxParallel: flags['max-parallel'], adoptZone: flags['adopt-zone'] },
        flags.json,
      ),
  }),
  command({
    name: 'verify',
    summary: 'compare source and warehouse per bucket; --repair re-syncs the drift',
    help: 'Rows changed at the source since the checkpoint are the next run\'s (pending), not drift.\nExit 1 if drift is found (without --repair) or left after the repair.',
    args: [PIPELINE],
    flags: [
      REGION,
      { name: 'source', type: 'string', value: 'S', help: 'one source server only (e.g. app/us)' },
      { name: 'buckets', type: 'count', value: 'N', help: "buckets of keys compared (default: the pipeline's verify.buckets, else 64)" },
      { name: 'repair', type: 'boolean', help: 're-sync the drifted buckets and compare them again' },
      JSON_OUT,
    ],
    run: async ({ args, flags, expanded }) =>
      (await import('./commands/verify.js')).verify(await expanded(), args.pipeline, { region: flags.region, source: flags.source, buckets: flags.buckets, repair: flags.repair, json: flags.json }),
  }),
  command({
    name: 'status',
    summary: 'last success, rows, freshness, lag, state per pipeline and region',
    help: 'Freshness and lag are in seconds; for topic and cdc pipelines, lag is also in messages, per cell cluster.\nExit 1 if a pipeline has failed or its state could not be read.',
    args: [{ name: 'pipeline', required: false, help: 'one pipeline only (default: all of them)' }],
    flags: [JSON_OUT],
    run: async ({ args, flags, expanded }) => (await import('./commands/status.js')).status(await expanded(), args.pipeline, flags.json),
  }),
  command({
    name: 'rollout',
    summary: 'make a worker build current (Worker Versioning): new runs start on it',
    help:
      'Waits until workers started with TRIBUTARY_BUILD_ID=B poll each region, then makes B the current version of its Worker Deployment.\n' +
      'Runs in flight stay on their build (backfills and CDC move over at their next step). Exit 1 if a region did not take it in time.',
    args: [],
    flags: [
      { name: 'build-id', type: 'string', value: 'B', help: 'the build (image tag) to make current', required: true },
      { ...REGION, help: 'one region only (default: every region of the config)' },
      { name: 'wait', type: 'string', value: 'S', help: 'seconds to wait for the build\'s workers (default 120)' },
      JSON_OUT,
    ],
    run: async ({ flags, config }) => (await import('./commands/rollout.js')).rollout(config(), flags['build-id'], flags.region, flags.wait, flags.json),
  }),
  command({
    name: 'codec-server',
    summary: 'serve /encode and /decode for the Temporal UI (temporal.encryption)',
    help: "Set the UI's codec endpoint to this server's URL (docs/security.md). It holds the keys: run it where only operators reach it.",
    args: [],
    flags: [
      { name: 'port', type: 'string', value: 'N', help: 'port to listen on (default 8888)' },
      { name: 'host', type: 'string', value: 'H', help: 'address to listen on (default 127.0.0.1)' },
      { name: 'origin', type: 'string', value: 'URL', help: 'the browser origin of the Temporal UI allowed to call it (default http://127.0.0.1:8233)' },
    ],
    run: async ({ flags, config }) => (await import('./commands/codec-server.js')).serveCodec(config(), flags.host ?? '127.0.0.1', flags.port ?? '8888', flags.origin ?? 'http://127.0.0.1:8233'),
  }),
  command({
    name: 'replay',
    summary: 'merge again what past runs staged, without reading the source',
    help: 'Each replayed batch gets a new batch id; facts never replace a newer row and checkpoints never move back.\nExit 1 if a batch\'s files are no longer in the stage.',
    args: [PIPELINE],
    flags: [
      { ...REGION, help: 'the region whose runs are replayed', required: true },
      { name: 'since', type: 'string', value: 'T', help: 'runs started at or after this instant (ISO-8601)' },
      { name: 'until', type: 'string', value: 'T', help: 'runs started before this instant' },
      { name: 'dry-run', type: 'boolean', help: 'list the batches, merge nothing' },
      JSON_OUT,
    ],
    run: async ({ args, flags, expanded }) =>
      (await import('./commands/replay.js')).replay(await expanded(), { pipeline: args.pipeline, region: flags.region, since: flags.since, until: flags.until, dryRun: flags['dry-run'] }, flags.json),
  }),
  command({
    name: 'cdc',
    summary: "a cdc pipeline's continuous workflow (start, stop, status), a resnapshot of its table, or a skip of one event",
    help:
      'start: starts it in each region (its schedule is paused while it runs).\n' +
      'stop: stops it after the batch in progress (its schedule is resumed).\n' +
      'status: its state, batches and events applied, and freshness; exit 1 if it failed.\n' +
      "resnapshot: asks the connector for an incremental snapshot of the table (or of --keys) through Debezium's signal table " +
      "and follows it until its last chunk is applied by the pipeline's runs (docs/cdc.md); exit 1 if it failed.\n" +
      'skip: the event at --partition and --offset (--region, and --cell if the region has several) goes to the dead letters ' +
      'with reason "skipped by operator" when the next batch reaches it, and the rest applies (docs/cdc.md).',
    args: [{ name: 'action', required: true, choices: ['start', 'stop', 'status', 'resnapshot', 'skip'], help: 'what to do' }, { ...PIPELINE, help: 'a cdc pipeline of the config' }],
    flags: [
      REGION,
      { name: 'keys', type: 'string', value: 'K,K', help: 'resnapshot: only these keys (a composite key: its values joined by ":")' },
      { name: 'cell', type: 'string', value: 'C', help: "skip: the Kafka cluster's cell (needed when the region has several)" },
      { name: 'partition', type: 'string', value: 'P', help: 'skip: the partition of the event' },
      { name: 'offset', type: 'string', value: 'O', help: 'skip: the offset of the event' },
      JSON_OUT,
    ],
    run: async ({ args, flags, expanded }) =>
      args.action === 'resnapshot'
        ? (await import('./commands/resnapshot.js')).resnapshot(await expanded(), args.pipeline, flags.region, flags.keys, flags.json)
        : args.action === 'skip'
          ? (await import('./commands/cdc-skip.js')).cdcSkip(await expanded(), args.pipeline, { region: flags.region, cell: flags.cell, partition: flags.partition, offset: flags.offset }, flags.json)
          : (await import('./commands/cdc.js')).cdc(await expanded(), args.action, args.pipeline, flags.region, flags.json),
  }),
  command({
    name: 'help',
    summary: "this list, or a command's usage and flags",
    args: [{ name: 'command', required: false, help: 'the command to describe' }],
    flags: [],
    run: ({ args }) => {
      if (args.command === undefined) console.log(globalHelp(COMMANDS));
      else console.log(commandHelp(findCommand(args.command)));
      return 0;
    },
  }),
];

/** Commands that are no longer here, and what to use instead. */
const MOVED: Record<string, string> = { demo: 'the demo is run by make demo' };

/** The entry of a command, or a usage error naming the commands there are. */
export function findCommand(name: string): Command {
  const found = COMMANDS.find((c) => c.name === name);
  if (found) return found;
  throw new UsageError(`unknown command "${name}"${MOVED[name] ? `: ${MOVED[name]}` : ` (commands: ${COMMANDS.map((c) => c.name).join(', ')})`}`);
}

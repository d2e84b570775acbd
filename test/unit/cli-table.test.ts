// The table of commands (cli/commands.ts) and what is made from it: the parse of a command line
// and the help texts.
import { describe, expect, it } from 'vitest';
import { COMMANDS, findCommand } from '../../cli/commands.js';
import { CDC_ACTIONS } from '../../cli/commands/cdc.js';
import { UsageError } from '../../cli/output.js';
import { GLOBAL_FLAGS } from '../../cli/spec.js';
import { commandHelp, globalHelp, parseCommand, scan } from '../../cli/usage.js';

const parse = (...argv: string[]) => parseCommand(findCommand(argv[0]!), argv, scan(argv, COMMANDS));

describe('the table of commands', () => {
  it('has one entry per name, and a flag name means one type everywhere', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    const types = new Map<string, string>(GLOBAL_FLAGS.map((f) => [f.name, f.type]));
    for (const c of COMMANDS) {
      const own = c.flags.map((f) => f.name);
      expect(new Set(own).size, `${c.name}: a flag twice`).toBe(own.length);
      for (const f of c.flags) {
        expect(GLOBAL_FLAGS.some((g) => g.name === f.name), `${c.name} --${f.name} is a global flag`).toBe(false);
        expect(types.get(f.name) ?? f.type, `--${f.name} has two types`).toBe(f.type);
        types.set(f.name, f.type);
        if (f.type !== 'boolean') expect(f.value, `${c.name} --${f.name} needs a placeholder`).toBeTruthy();
      }
      const firstOptional = c.args.findIndex((a) => !a.required);
      if (firstOptional >= 0) expect(c.args.slice(firstOptional).every((a) => !a.required), `${c.name}: a required argument after an optional one`).toBe(true);
    }
  });

  it("cdc's actions are the ones cli/commands/cdc.ts knows", () => {
    expect(findCommand('cdc').args[0]!.choices).toEqual(CDC_ACTIONS);
  });

  it('demo is not a command any more', () => {
    expect(COMMANDS.map((c) => c.name)).not.toContain('demo');
    expect(() => findCommand('demo')).toThrow(/make demo/);
  });

  it('help texts fit in 100 columns and describe every argument and flag', () => {
    for (const text of [globalHelp(COMMANDS), ...COMMANDS.map(commandHelp)]) {
      for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    }
    for (const c of COMMANDS) {
      const help = commandHelp(c);
      for (const f of c.flags) expect(help, `${c.name} --${f.name}`).toMatch(new RegExp(`^  --${f.name}\\b.*\\S`, 'm'));
      for (const a of c.args) expect(help).toContain(a.help.split(' ').slice(0, 4).join(' '));
      expect(globalHelp(COMMANDS)).toContain(c.summary.split(' ').slice(0, 3).join(' '));
    }
  });
});

describe('parsing a command line', () => {
  it('gives arguments and flags by name: switches false when absent, counts as numbers', () => {
    expect(parse('backfill', 'orders', '--region', 'us', '--chunk-rows', '500', '--config', 'c.yaml')).toEqual({
      args: { pipeline: 'orders' },
      flags: { region: 'us', from: undefined, to: undefined, source: undefined, 'chunk-rows': 500, 'max-parallel': undefined, 'adopt-zone': false, json: false },
      configFlag: 'c.yaml',
    });
    expect(parse('cdc', 'status', 'orders-cdc', '--json')).toEqual({ args: { action: 'status', pipeline: 'orders-cdc' }, flags: { region: undefined, keys: undefined, json: true } });
    expect(parse('status')).toEqual({ args: { pipeline: undefined }, flags: { json: false } });
  });

  it('finds the command after global flags with values', () => {
    expect(scan(['--config', 'c.yaml', 'run', 'orders'], COMMANDS).command).toBe('run');
  });

  it('refuses, as usage errors: a foreign flag, a missing argument or required flag, a bad value', () => {
    const cases: [string[], RegExp][] = [
      [['apply', '--region', 'us'], /^apply does not take --region \(it takes --dry-run, --drop-slot, --json\)$/],
      [['status', '--from=x'], /^status does not take --from \(it takes --json\)$/],
      [['run', 'orders', '-x'], /^run does not take -x/],
      [['help', '--json'], /^help does not take --json \(it takes no flags of its own\)$/],
      [['run'], /^run needs PIPELINE$/],
      [['replay', 'orders'], /^replay needs --region R$/],
      [['cdc'], /^cdc needs start\|stop\|status\|resnapshot\|skip and PIPELINE$/],
      [['cdc', 'restart', 'orders'], /not "restart"/],
      [['verify', 'orders', '--buckets', '0'], /--buckets expects a whole number of at least 1, got "0"/],
      [['apply', 'now'], /apply takes no arguments; "now" is one argument too many/],
      [['run', 'orders', '--full-pass=yes'], /does not take an argument/],
    ];
    for (const [argv, message] of cases) {
      let err: unknown;
      try {
        parse(...argv);
      } catch (e) {
        err = e;
      }
      expect(err, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((err as Error).message, argv.join(' ')).toMatch(message);
    }
  });
});

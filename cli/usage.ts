// Everything the CLI says about its commands, and how it reads a command line, made from the
// table of commands (cli/commands.ts): the command list (tributary --help, and the README's
// block), a command's own usage (tributary <command> -h), and the usage errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './output.js';
import { GLOBAL_FLAGS, type ArgSpec, type Command, type FlagSpec, type Invocation } from './spec.js';

/** Lines are wrapped to this width; a summary starts in this column of the command list. */
const WIDTH = 100;
const SUMMARY_COLUMN = 29;

// ---- usage lines and help texts ----

function argToken(a: ArgSpec): string {
  const shown = a.choices ? a.choices.join('|') : a.name.toUpperCase();
  return a.required ? shown : `[${shown}]`;
}

function flagToken(f: FlagSpec): string {
  const shown = f.type === 'boolean' ? `--${f.name}` : `--${f.name} ${f.value ?? 'VALUE'}`;
  return f.required ? shown : `[${shown}]`;
}

/** The words of a command's usage line: its name, arguments, then flags (required ones first as listed). */
function synopsisTokens(c: Command): string[] {
  return [c.name, ...c.args.map(argToken), ...c.flags.map(flagToken)];
}

/** Joins words into lines of at most `width` characters; lines after the first start with `indent`. */
function wrapWords(words: string[], width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

/** Wraps prose (paragraphs kept: one per line of `text`). */
function wrapText(text: string, width: number, indent = ''): string[] {
  return text.split('\n').flatMap((p) => wrapWords(p.split(/ +/).filter(Boolean), width, indent));
}

/** `tributary <command> ...` on one line, for error messages. */
export function synopsis(c: Command): string {
  return `tributary ${synopsisTokens(c).join(' ')}`;
}

/**
 * The command list: each command's usage line (arguments and flags), and its summary, beside it
 * when the usage line is short, else under it. `tributary --help` shows it indented; the README's
 * block is this text (cli/readme.ts).
 */
export function commandList(commands: readonly Command[]): string {
  const width = WIDTH - 2; // tributary --help indents it by 2
  const pad = ' '.repeat(SUMMARY_COLUMN);
  return commands
    .flatMap((c) => {
      const usage = wrapWords(synopsisTokens(c), width, ' '.repeat(c.name.length + 1));
      const summary = wrapText(c.summary, width - SUMMARY_COLUMN).map((l) => pad + l);
      if (usage.length === 1 && usage[0]!.length < SUMMARY_COLUMN - 1) return [usage[0]!.padEnd(SUMMARY_COLUMN) + summary[0]!.trimStart(), ...summary.slice(1)];
      return [...usage, ...summary];
    })
    .join('\n');
}

/** Two columns: names on the left, their help wrapped on the right. */
function describe(rows: [string, string][], indent = '  '): string[] {
  const left = Math.max(...rows.map(([name]) => name.length)) + 2;
  const pad = ' '.repeat(indent.length + left);
  return rows.flatMap(([name, help]) => {
    const [first = '', ...rest] = wrapText(help, WIDTH - indent.length - left);
    return [indent + name.padEnd(left) + first, ...rest.map((l) => pad + l)];
  });
}

function flagName(f: FlagSpec): string {
  const long = f.type === 'boolean' ? `--${f.name}` : `--${f.name} ${f.value ?? 'VALUE'}`;
  return f.name === 'help' ? `-h, ${long}` : long;
}

const GLOBAL_ROWS: [string, string][] = GLOBAL_FLAGS.map((f) => [flagName(f), f.help]);

const EXIT_CODES = [
  'exit codes: 0 ok; 1 the operation failed (a run failed, drift found or left, a pipeline failed);',
  '            2 bad usage or bad config (nothing was done)',
];

/** `tributary --help` and `tributary help`. */
export function globalHelp(commands: readonly Command[]): string {
  return [
    'usage: tributary <command> [arguments] [flags]',
    '',
    'commands:',
    ...commandList(commands)
      .split('\n')
      .map((l) => `  ${l}`),
    '',
    'global flags (any command):',
    ...describe(GLOBAL_ROWS),
    '',
    'tributary <command> -h describes its arguments and flags; a flag it does not take is refused.',
    'The demo (seeds the local sources, syncs them through Temporal, shows the warehouse): make demo',
    '',
    ...EXIT_CODES,
  ].join('\n');
}

/** `tributary <command> -h`: its usage line, summary, help, arguments and flags. */
export function commandHelp(c: Command): string {
  const usage = wrapWords(['usage:', 'tributary', ...synopsisTokens(c)], WIDTH, ' '.repeat('usage: tributary '.length + c.name.length + 1));
  const out = [...usage, '', ...wrapText(c.summary, WIDTH)];
  if (c.help) out.push('', ...wrapText(c.help, WIDTH));
  if (c.args.length) {
    out.push('', 'arguments:', ...describe(c.args.map((a) => [argToken(a).replace(/^\[(.*)\]$/, '$1'), a.help])));
  }
  out.push('', 'flags:', ...(c.flags.length ? describe(c.flags.map((f) => [flagName(f), f.required ? `${f.help} (required)` : f.help])) : ['  (none of its own)']));
  out.push('', 'global flags:', ...describe(GLOBAL_ROWS), '', ...EXIT_CODES);
  return out.join('\n');
}

// ---- reading a command line ----

type Options = NonNullable<ParseArgsConfig['options']>;

function options(flags: readonly FlagSpec[]): Options {
  const out: Options = {};
  for (const f of flags) out[f.name] = { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.name === 'help' ? { short: 'h' } : {}) };
  return out;
}

/** Every flag any command takes, once (a name means the same type everywhere: checked in the unit tests). */
export function allFlags(commands: readonly Command[]): FlagSpec[] {
  const byName = new Map<string, FlagSpec>();
  for (const f of [...GLOBAL_FLAGS, ...commands.flatMap((c) => c.flags)]) if (!byName.has(f.name)) byName.set(f.name, f);
  return [...byName.values()];
}

export interface CommandLine {
  /** The first word that is not a flag, if any. */
  command?: string;
  help: boolean;
  version: boolean;
  /** The flags as written (--region, -x), with their names. */
  flags: { name: string; rawName: string }[];
}

/** A first look at the command line, to find the command; never throws (the command's own parse checks it). */
export function scan(argv: string[], commands: readonly Command[]): CommandLine {
  const { values, positionals, tokens } = parseArgs({ args: argv, options: options(allFlags(commands)), allowPositionals: true, strict: false, tokens: true });
  return {
    command: positionals[0],
    help: values.help === true,
    version: values.version === true,
    flags: tokens.flatMap((t) => (t.kind === 'option' ? [{ name: t.name, rawName: t.rawName }] : [])),
  };
}

/** The usage errors of a command's line: a flag it does not take, a missing argument or flag, a bad value. */
export function parseCommand(c: Command, argv: string[], line: CommandLine): Omit<Invocation, 'config' | 'configPath' | 'expanded'> & { configFlag?: string } {
  const globalNames = new Set<string>(GLOBAL_FLAGS.map((f) => f.name));
  for (const f of line.flags) {
    if (globalNames.has(f.name) || c.flags.some((x) => x.name === f.name)) continue;
    const takes = c.flags.length ? `it takes ${c.flags.map((x) => `--${x.name}`).join(', ')}` : 'it takes no flags of its own';
    throw new UsageError(`${c.name} does not take ${f.rawName} (${takes})`);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: options([...GLOBAL_FLAGS, ...c.flags]), allowPositionals: true, strict: true });
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message, { cause: err });
    throw err;
  }
  const given = parsed.positionals.slice(1);
  const missing: string[] = [];
  const args: Record<string, string | undefined> = {};
  for (const [i, a] of c.args.entries()) {
    const v = given[i];
    if (v === undefined) {
      if (a.required) missing.push(argToken(a));
    } else if (a.choices && !a.choices.includes(v)) {
      throw new UsageError(`${c.name}: ${a.name} is one of ${a.choices.join(', ')}, not "${v}"`);
    }
    args[a.name] = v;
  }
  if (given.length > c.args.length) {
    throw new UsageError(`${c.name} takes ${c.args.length ? c.args.map(argToken).join(' ') : 'no arguments'}; "${given[c.args.length]}" is one argument too many`);
  }
  const flags: Record<string, string | number | boolean | undefined> = {};
  for (const f of c.flags) {
    const v = parsed.values[f.name];
    if (f.type === 'boolean') flags[f.name] = v === true;
    else if (typeof v !== 'string') {
      if (f.required) missing.push(flagToken(f));
      flags[f.name] = undefined;
    } else flags[f.name] = f.type === 'count' ? count(v, `--${f.name}`) : v;
  }
  if (missing.length) throw new UsageError(`${c.name} needs ${missing.join(' and ')}`);
  const config = parsed.values.config;
  return { args, flags, ...(typeof config === 'string' ? { configFlag: config } : {}) };
}

/** A whole number of at least 1. */
function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a whole number of at least 1, got "${value}"`);
  return n;
}

// The shape of a command in the table (cli/commands.ts): its arguments, its flags, what it is
// for, and its handler. The parser, the help texts and the README's command list are all made
// from these entries (cli/usage.ts), so they cannot disagree with what a command takes.
import type { TributaryConfig } from '../config/schema.js';

/** A positional argument. `choices` makes it one of a few words (cdc's action). */
export interface ArgSpec {
  /** Lower case; shown in upper case (PIPELINE), or as its choices (start|stop|status). */
  readonly name: string;
  readonly required: boolean;
  readonly help: string;
  readonly choices?: readonly string[];
}

/** A flag: a word (`string`), a switch (`boolean`), or a whole number of at least 1 (`count`). */
export interface FlagSpec {
  /** Without the dashes: `region` is --region. */
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'count';
  /** The placeholder for its value in usage lines (--region R); not for a boolean. */
  readonly value?: string;
  readonly help: string;
  readonly required?: boolean;
}

type ArgValue<A extends ArgSpec> = (A['choices'] extends readonly (infer C)[] ? C : string) | (A['required'] extends true ? never : undefined);
type TypeValue<T> = T extends 'boolean' ? boolean : T extends 'count' ? number : string;
/** A switch is false when absent; other flags are undefined when absent, unless required. */
type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean' ? boolean : TypeValue<F['type']> | (F['required'] extends true ? never : undefined);

/** What a handler gets: its arguments and flags by name, typed from its entry, and the config. */
export interface Invocation<A extends readonly ArgSpec[] = readonly ArgSpec[], F extends readonly FlagSpec[] = readonly FlagSpec[]> {
  args: { [K in A[number] as K['name']]: ArgValue<K> };
  flags: { [K in F[number] as K['name']]: FlagValue<K> };
  /** --config, else $TRIBUTARY_CONFIG, else the example config. */
  configPath: string;
  /** Loads and validates the config at configPath (a bad one is a ConfigError: exit 2). */
  config: () => TributaryConfig;
  /** The config with its table sets expanded against the catalogs the last apply stored (docs/table-sets.md). */
  expanded: () => Promise<TributaryConfig>;
}

export interface Command<A extends readonly ArgSpec[] = readonly ArgSpec[], F extends readonly FlagSpec[] = readonly FlagSpec[]> {
  readonly name: string;
  /** One line, shown in the command list (tributary --help, README). */
  readonly summary: string;
  /** More, shown by `tributary <command> -h` under the summary. */
  readonly help?: string;
  readonly args: A;
  readonly flags: F;
  /** Returns the exit code: 0 ok, 1 the operation failed; throws UsageError for bad usage (2). */
  run(invocation: Invocation<A, F>): number | Promise<number>;
}

/** An entry of the table, with its handler's arguments and flags typed from the entry itself. */
export function command<const A extends readonly ArgSpec[], const F extends readonly FlagSpec[]>(spec: Command<A, F>): Command {
  return spec;
}

/** Flags of the CLI itself, taken by every command. */
export const GLOBAL_FLAGS = [
  { name: 'config', type: 'string', value: 'FILE', help: 'the pipeline config (default: $TRIBUTARY_CONFIG, else config/examples/local.yaml)' },
  { name: 'help', type: 'boolean', help: 'the list of commands; after a command, its usage and flags' },
  { name: 'version', type: 'boolean', help: 'the version of tributary' },
] as const satisfies readonly FlagSpec[];

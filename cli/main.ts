// The `tributary` command. Exit codes: 0 ok, 1 the operation failed, 2 bad usage or bad config.
// Its commands, their arguments and flags are the table in cli/commands.ts.
import { readFileSync } from 'node:fs';
import { defaultConfigPath, loadConfig } from '../config/load.js';
import { COMMANDS, findCommand } from './commands.js';
import { exitWith } from './exit.js';
import { UsageError } from './output.js';
import { scrubProcessOutput } from './scrubbed-output.js';
import type { Command } from './spec.js';
import { commandHelp, globalHelp, parseCommand, scan, synopsis } from './usage.js';

/** The command being run, once known: a usage error then shows its usage instead of the whole list. */
let current: Command | undefined;

async function main(argv: string[]): Promise<number> {
  const line = scan(argv, COMMANDS);
  if (line.version) {
    console.log(`tributary ${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version}`);
    return 0;
  }
  if (line.command === undefined) {
    if (line.help) {
      console.log(globalHelp(COMMANDS));
      return 0;
    }
    throw new UsageError('no command given');
  }
  const command = findCommand(line.command);
  current = command;
  if (line.help) {
    console.log(commandHelp(command));
    return 0;
  }
  const { args, flags, configFlag } = parseCommand(command, argv, line);
  const configPath = configFlag ?? defaultConfigPath();
  return command.run({ args, flags, configPath, config: () => loadConfig(configPath) });
}

scrubProcessOutput();
exitWith(main(process.argv.slice(2)), () => (current ? `usage: ${synopsis(current)}\n(tributary ${current.name} -h describes its arguments and flags)` : globalHelp(COMMANDS)));

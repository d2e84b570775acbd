// The README's command list, made from the table of commands: the text between the lines
// <!-- tributary-cli:begin --> and <!-- tributary-cli:end --> of README.md is a fenced block of
// the command list that `tributary --help` shows. `npm run readme:cli` rewrites it;
// test/unit/cli-readme.test.ts fails while it differs.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './commands.js';
import { commandList } from './usage.js';

export const BEGIN = '<!-- tributary-cli:begin -->';
export const END = '<!-- tributary-cli:end -->';
export const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** What goes between the markers (their lines excluded). */
export function readmeBlock(): string {
  return ['```text', commandList(COMMANDS), '```'].join('\n');
}

/** The lines between the markers, or an error saying what is wrong with them. */
function markers(readme: string): { lines: string[]; begin: number; end: number } {
  const lines = readme.split('\n');
  const begin = lines.findIndex((l) => l.trim() === BEGIN);
  const end = lines.findIndex((l) => l.trim() === END);
  if (begin < 0 || end < 0 || end < begin) throw new Error(`README.md needs the lines ${BEGIN} and ${END}, in that order, around the CLI's command list`);
  if (lines.filter((l) => l.trim() === BEGIN || l.trim() === END).length !== 2) throw new Error(`README.md has ${BEGIN} or ${END} more than once`);
  return { lines, begin, end };
}

/** The README's block as it is now. */
export function currentBlock(readme: string): string {
  const { lines, begin, end } = markers(readme);
  return lines.slice(begin + 1, end).join('\n');
}

/** The README with its block replaced by `block`. */
export function withBlock(readme: string, block: string): string {
  const { lines, begin, end } = markers(readme);
  return [...lines.slice(0, begin + 1), block, ...lines.slice(end)].join('\n');
}

if (process.argv[1] && realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1])) {
  const before = readFileSync(README, 'utf8');
  const after = withBlock(before, readmeBlock());
  if (after === before) console.log('README.md: the CLI block is up to date');
  else {
    writeFileSync(README, after);
    console.log('README.md: the CLI block was rewritten from cli/commands.ts');
  }
}

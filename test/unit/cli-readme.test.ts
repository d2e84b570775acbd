// README.md's command list is generated from the table of commands (cli/readme.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentBlock, README, readmeBlock, withBlock } from '../../cli/readme.js';
import { COMMANDS } from '../../cli/commands.js';
import { globalHelp } from '../../cli/usage.js';

describe("README.md's CLI block", () => {
  it('is the one generated from cli/commands.ts', () => {
    const readme = readFileSync(README, 'utf8');
    expect(currentBlock(readme), "README.md's CLI block differs from the table of commands: run npm run readme:cli").toBe(readmeBlock());
  });

  it("is the command list of tributary --help, in a fenced block", () => {
    const list = readmeBlock().split('\n').slice(1, -1);
    const help = globalHelp(COMMANDS).split('\n');
    const at = help.indexOf('commands:') + 1;
    expect(help.slice(at, at + list.length)).toEqual(list.map((l) => `  ${l}`));
  });

  it('is rewritten between its markers, and only there', () => {
    const readme = '# T\n\ntext\n<!-- tributary-cli:begin -->\nold\nlines\n<!-- tributary-cli:end -->\nafter\n';
    expect(withBlock(readme, 'new')).toBe('# T\n\ntext\n<!-- tributary-cli:begin -->\nnew\n<!-- tributary-cli:end -->\nafter\n');
    expect(() => currentBlock('# no markers\n')).toThrow(/needs the lines <!-- tributary-cli:begin --> and <!-- tributary-cli:end -->/);
  });
});

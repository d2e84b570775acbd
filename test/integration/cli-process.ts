// The CLI as a user runs it: a process of its own with a test's config file; its exit code and output.
import { execFile } from 'node:child_process';
import { ROOT } from './stack.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(configFile: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--config', configFile], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// The CLI as a user runs it, as a child process: help from the table of commands, its version,
// and usage errors (exit 2, naming the problem, nothing done). None of this needs a server: the
// usage checks come before the config is read, so a config that does not exist proves it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const NO_CONFIG = ['--config', 'no-such-config.yaml'];
const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

/** A usage error: exit 2, nothing on stdout, and `says` on stderr. */
function expectUsageError(r: { code: number; stdout: string; stderr: string }, says: string): void {
  expect(r).toMatchObject({ code: 2, stdout: '' });
  expect(r.stderr).toContain(says);
}

describe('tributary help', () => {
  it('--help and help list every command with its arguments, flags and summary', async () => {
    const [flag, word] = await Promise.all([cli('--help'), cli('help')]);
    expect(flag.code).toBe(0);
    expect(word).toMatchObject({ code: 0, stdout: flag.stdout });
    for (const line of ['backfill PIPELINE --region R [--from T] [--to T]', 'cdc start|stop|status|resnapshot|skip PIPELINE [--region R] [--keys K,K] [--cell C]', 'status [PIPELINE] [--json]', 'validate [FILE]']) {
      expect(flag.stdout).toContain(line);
    }
    expect(flag.stdout).toContain('--config FILE');
    expect(flag.stdout).toContain('make demo');
    expect(flag.stdout).not.toMatch(/^ {2}demo/m);
  }, 60_000);

  it('run -h shows the usage of run and describes its flags', async () => {
    const [short, long, word] = await Promise.all([cli('run', '-h'), cli('run', '--help'), cli('help', 'run')]);
    expect(short.code).toBe(0);
    expect(short.stdout).toContain('usage: tributary run PIPELINE [--region R] [--full-pass] [--json]');
    expect(short.stdout).toMatch(/^ {2}--region R +one region only/m);
    expect(short.stdout).toMatch(/^ {2}--full-pass +an incremental dimension reads the whole table now/m);
    expect(short.stdout).toMatch(/^ {2}--json +machine-readable output/m);
    expect(short.stdout).not.toContain('--buckets');
    expect(long).toMatchObject({ code: 0, stdout: short.stdout });
    expect(word).toMatchObject({ code: 0, stdout: short.stdout });
  }, 60_000);

  it('a required flag is marked in the usage of its command', async () => {
    const r = await cli('backfill', '-h');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}--region R +the region to re-sync \(required\)/m);
  }, 60_000);

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string };
    const r = await cli('--version');
    expect(r).toMatchObject({ code: 0, stdout: `tributary ${version}\n` });
  }, 60_000);
});

describe('tributary usage errors (exit 2, nothing done)', () => {
  it('a flag the command does not take is a usage error naming it and the flags it takes', async () => {
    const [apply, status, resume, validate] = await Promise.all([
      cli('apply', '--region', 'us', ...NO_CONFIG),
      cli('status', '--from', 'x', ...NO_CONFIG),
      cli('resume', 'orders', '--note', 'why', ...NO_CONFIG),
      cli('validate', '--json', ...NO_CONFIG),
    ]);
    expectUsageError(apply, 'apply does not take --region (it takes --dry-run, --drop-slot, --json)');
    expect(apply.stderr).toContain('usage: tributary apply [--dry-run] [--drop-slot] [--json]');
    expectUsageError(status, 'status does not take --from (it takes --json)');
    expectUsageError(resume, 'resume does not take --note (it takes --region, --json)');
    expectUsageError(validate, 'validate does not take --json');
    for (const r of [apply, status, resume, validate]) expect(r.stderr).not.toContain('no-such-config.yaml');
  }, 60_000);

  it('an unknown command, and no command, are usage errors; demo moved to make demo', async () => {
    const [bogus, none, demo] = await Promise.all([cli('bogus'), cli(), cli('demo')]);
    expectUsageError(bogus, 'unknown command "bogus" (commands: validate, run, apply,');
    expectUsageError(none, 'no command given');
    expectUsageError(demo, 'the demo is run by make demo');
  }, 60_000);

  it('a missing argument or required flag, a bad value or one argument too many', async () => {
    const [run, backfill, both, cdc, buckets, extra, value] = await Promise.all([
      cli('run', ...NO_CONFIG),
      cli('backfill', 'orders', ...NO_CONFIG),
      cli('backfill', ...NO_CONFIG),
      cli('cdc', 'restart', 'orders', ...NO_CONFIG),
      cli('verify', 'orders', '--buckets', 'many', ...NO_CONFIG),
      cli('trigger', 'orders', 'clicks', ...NO_CONFIG),
      cli('run', 'orders', '--region'),
    ]);
    expectUsageError(run, 'run needs PIPELINE');
    expect(run.stderr).toContain('usage: tributary run PIPELINE [--region R] [--full-pass] [--json]');
    expectUsageError(backfill, 'backfill needs --region R');
    expectUsageError(both, 'backfill needs PIPELINE and --region R');
    expectUsageError(cdc, 'action is one of start, stop, status, resnapshot, skip, not "restart"');
    expectUsageError(buckets, '--buckets expects a whole number of at least 1, got "many"');
    expectUsageError(extra, 'trigger takes PIPELINE; "clicks" is one argument too many');
    expectUsageError(value, "'--region <value>' argument missing");
  }, 60_000);
});

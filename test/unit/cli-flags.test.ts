// The CLI refuses a flag its command does not take (exit 2, nothing done) and tells its version;
// neither needs a server.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('tributary flags', () => {
  it('a flag the command does not take is a usage error naming it', async () => {
    const apply = await cli('apply', '--region', 'us');
    expect(apply.code).toBe(2);
    expect(apply.stderr).toContain('apply does not take --region (it takes --dry-run, --json)');
    const status = await cli('status', '--from', 'x');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('status does not take --from');
  }, 60_000);

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string };
    const r = await cli('--version');
    expect(r).toMatchObject({ code: 0, stdout: `tributary ${version}\n` });
  }, 60_000);
});

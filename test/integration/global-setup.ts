// Integration tests run against the real local stack. If it is not up, start it (the script
// installs what is missing); if that fails, every integration test fails with its output.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  // TRIBUTARY_STACK=external: the servers are managed elsewhere and the TRIBUTARY_* variables
  // point at them; tests still fail loudly when they are not reachable.
  if (process.env.TRIBUTARY_STACK === 'external') return;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  try {
    execFileSync('bash', ['infra/local/status.sh'], { cwd: root, stdio: 'ignore' });
  } catch {
    console.log('local stack is not (fully) up: starting it with infra/local/start.sh');
    execFileSync('bash', ['infra/local/start.sh'], { cwd: root, stdio: 'inherit' });
  }
}

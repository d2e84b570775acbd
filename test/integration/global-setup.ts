// Integration tests run against the real local stack. If it is not up, start it (the script
// installs what is missing); if that fails, every integration test fails with its output.
// Runs left over from an interrupted earlier test run are terminated, so they do not hold
// workers' attention or a pipeline's advisory locks.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';

export default async function setup(): Promise<void> {
  // TRIBUTARY_STACK=external: the servers are managed elsewhere and the TRIBUTARY_* variables
  // point at them; tests still fail loudly when they are not reachable.
  if (process.env.TRIBUTARY_STACK !== 'external') {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    try {
      execFileSync('bash', ['infra/local/status.sh'], { cwd: root, stdio: 'ignore' });
    } catch {
      console.log('local stack is not (fully) up: starting it with infra/local/start.sh');
      execFileSync('bash', ['infra/local/start.sh'], { cwd: root, stdio: 'inherit' });
    }
  }
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  try {
    const client = new Client({ connection });
    // Test configs use task queues "test-<id>-<region>" (see stack.ts). Only runs older than any
    // test are touched, so test runs going on beside this one are left alone.
    const before = new Date(Date.now() - 30 * 60_000).toISOString();
    const query = `ExecutionStatus = 'Running' AND TaskQueue STARTS_WITH 'test-' AND StartTime < '${before}'`;
    for await (const wf of client.workflow.list({ query })) {
      await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('left over from an earlier test run');
    }
  } finally {
    await connection.close();
  }
}

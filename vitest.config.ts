import { defineConfig } from 'vitest/config';

// Unit tests need no service. Integration tests talk to the real local stack, which
// test/integration/global-setup.ts starts (or fails loudly); they run one file at a time
// because they share the servers.
export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks', // Temporal's native bridge does not belong in worker threads
    projects: [
      // infra/pulumi is its own npm package (Pulumi's SDKs are large); its unit tests run here too.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'infra/pulumi/test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/setup-runtime.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});

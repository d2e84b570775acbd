// Where the workflow code lives, for the bundler (resolved from this file, not the cwd).
import { fileURLToPath } from 'node:url';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

// Where the workflow code lives, for the bundler (resolved from this file, not the cwd).
import { fileURLToPath } from 'node:url';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Workflow interceptor modules (log attributes); every bundle of the workflow code includes them. */
export const workflowInterceptorModules = [fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url))];

/** What bundleWorkflowCode needs: a prebuilt bundle ignores the worker's own interceptor modules. */
export const workflowBundleOptions = { workflowsPath, workflowInterceptorModules };

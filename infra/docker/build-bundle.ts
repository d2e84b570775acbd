// Bundles the workflow code once, at image build time, so a worker starts without webpack:
// `node --import tsx infra/docker/build-bundle.ts OUT.js`. The @temporalio/worker that bundles
// must be the exact version that runs the bundle; the image builds and runs it from one
// node_modules, so they match.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../../workers/workflows-path.js';

const out = resolve(process.argv[2] ?? 'workflow-bundle.js');
const { code } = await bundleWorkflowCode(workflowBundleOptions);
await writeFile(out, code);
console.log(JSON.stringify({ msg: 'workflow bundle written', path: out, bytes: Buffer.byteLength(code) }));

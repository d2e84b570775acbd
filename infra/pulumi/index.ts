// `pulumi up --stack <env>` from this folder: one whole Tributary environment per stack.
import { createEnvironment } from './environment.js';
import { readSettings } from './settings.js';

const env = createEnvironment(readSettings());

export const stageBucket = env.stageBucket;
export const workgroup = env.workgroup;
export const warehouseSecretArn = env.warehouseSecretArn;
export const copyRoleArn = env.copyRoleArn;
export const workerRoleArn = env.workerRoleArn;
export const sourceSecrets = env.sourceSecrets;
export const namespace = env.namespace;
export const release = env.release;

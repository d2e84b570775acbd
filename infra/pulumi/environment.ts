// One Tributary environment: the cloud resources first (stage bucket, COPY role, Redshift
// Serverless, source secrets, worker role), then the namespace and the Helm release that gets
// their names and ARNs. Every name carries the stack.
import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { fileURLToPath } from 'node:url';
import { checkReleaseConfig, environmentConfig, secretsPrefix } from './release-config.js';
import { createRelease, serviceAccountName } from './release.js';
import { createCopyRole, createWorkerRole } from './roles.js';
import type { EnvironmentSettings } from './settings.js';
import { createSourceSecrets } from './source-secrets.js';
import { createStageBucket } from './stage-bucket.js';
import { releaseValues, sourceSecretNames } from './values.js';
import { createWarehouse } from './warehouse.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export function createEnvironment(s: EnvironmentSettings) {
  const name = `tributary-${s.stack}`;
  const tags = { app: 'tributary', environment: s.stack };
  const valuesFiles = s.valuesFile ? [resolve(here, s.valuesFile)] : [];
  const values = releaseValues(valuesFiles);
  const prefix = secretsPrefix(s.stack);

  const bucket = createStageBucket(`${name}-stage`, { prefix: s.stagePrefix, retentionDays: s.stageRetentionDays, tags });
  const copyRole = createCopyRole(`${name}-copy`, { bucketArn: bucket.arn, prefix: s.stagePrefix }, tags);
  const warehouse = createWarehouse(name, s.redshift, copyRole.arn, tags);
  const sourceSecrets = createSourceSecrets(s.stack, prefix, sourceSecretNames(values), tags);
  const workerRole = createWorkerRole(`${name}-workers`, {
    identity: { oidcProviderArn: s.oidcProviderArn, namespace: s.namespace, serviceAccount: serviceAccountName },
    bucketArn: bucket.arn,
    prefix: s.stagePrefix,
    workgroupArn: warehouse.workgroup.arn,
    secretArns: [...[...sourceSecrets.values()].map((secret) => secret.arn), warehouse.namespace.adminPasswordSecretArn],
    tags,
  });

  // The environment's part of the config; the whole config is validated before the release.
  const config = pulumi
    .all([bucket.bucket, warehouse.workgroup.workgroupName, warehouse.namespace.adminPasswordSecretArn, copyRole.arn])
    .apply(([stageBucket, workgroup, warehouseSecretArn, copyRoleArn]) => {
      const environment = environmentConfig({
        awsRegion: s.awsRegion,
        stageBucket,
        stagePrefix: s.stagePrefix,
        stageRetentionDays: s.stageRetentionDays,
        workgroup,
        database: s.redshift.database,
        schema: s.redshift.schema,
        warehouseSecretArn,
        copyRoleArn,
        secretsPrefix: prefix,
        temporal: s.temporal,
      });
      checkReleaseConfig(s.stack, values, environment);
      return environment;
    });

  const { namespace, release } = createRelease({
    namespace: s.namespace,
    valuesFiles,
    values: {
      image: { repository: s.image, tag: s.imageTag },
      serviceAccount: { create: true, name: serviceAccountName, roleArn: workerRole.arn },
      config,
    },
    kubeconfig: s.kubeconfig,
    dependsOn: [workerRole, ...sourceSecrets.values(), warehouse.workgroup],
  });

  return {
    stageBucket: bucket.bucket,
    workgroup: warehouse.workgroup.workgroupName,
    warehouseSecretArn: warehouse.namespace.adminPasswordSecretArn,
    copyRoleArn: copyRole.arn,
    workerRoleArn: workerRole.arn,
    sourceSecrets: pulumi.all(Object.fromEntries([...sourceSecrets].map(([n, secret]) => [n, secret.arn]))),
    namespace: namespace.metadata.name,
    release: release.status,
  };
}

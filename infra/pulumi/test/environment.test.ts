// The environment program, run against Pulumi's mocks (AWS and Kubernetes are tested at this
// boundary only: what the program would create, never a real account). Checks the resources,
// that each IAM policy grants the least it can, and that the release gets a config the
// workers accept and the real chart renders.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ConfigError, validateConfig } from '../../../config/load.js';
import { createEnvironment } from '../environment.js';
import type { PolicyDocument, Statement } from '../policies.js';
import { checkReleaseConfig } from '../release-config.js';
import { readSettings } from '../settings.js';
import { chartDir, mergeValues, releaseValues, sourceSecretNames, type Values } from '../values.js';
import { ACCOUNT, REGION, runWithMocks, type Registered } from './mock-cloud.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const oidcProviderArn = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/5C1A1E2B3D4F`;
const stackConfig = {
  'aws:region': REGION,
  'tributary:image': `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/tributary`,
  'tributary:imageTag': 'git-3f2a1b9',
  'tributary:oidcProviderArn': oidcProviderArn,
  'tributary:stageRetentionDays': '5',
  'tributary:valuesFile': 'values/small.yaml',
  'tributary:redshift': JSON.stringify({ baseCapacity: 16, subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] }),
};

let resources: Registered[] = [];
const ofType = (type: string) => resources.filter((r) => r.type === type);
const one = (type: string, name?: string) => {
  const found = ofType(type).filter((r) => name === undefined || r.name === name);
  expect(found, `${type} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
};
const policy = (r: Registered, field = 'policy') => JSON.parse(r.inputs[field] as string) as PolicyDocument;
const state = (type: string, name?: string) => one(type, name).state as Record<string, string>;

beforeAll(async () => {
  ({ resources } = await runWithMocks('qa', stackConfig, () => createEnvironment(readSettings())));
}, 60_000);

describe('cloud resources', () => {
  it('creates one of each, all named after the stack', () => {
    const counts = Object.fromEntries(
      [...new Set(resources.map((r) => r.type))].map((t) => [t, resources.filter((r) => r.type === t).length]),
    );
    expect(counts).toEqual({
      'aws:s3/bucket:Bucket': 1,
      'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': 1,
      'aws:s3/bucketOwnershipControls:BucketOwnershipControls': 1,
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': 1,
      'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': 1,
      'aws:s3/bucketPolicy:BucketPolicy': 1,
      'aws:iam/role:Role': 2,
      'aws:iam/rolePolicy:RolePolicy': 2,
      'aws:redshiftserverless/namespace:Namespace': 1,
      'aws:redshiftserverless/workgroup:Workgroup': 1,
      'aws:secretsmanager/secret:Secret': 2,
      'kubernetes:core/v1:Namespace': 1,
      'kubernetes:helm.sh/v3:Release': 1,
    });
    for (const r of resources.filter((x) => x.type.startsWith('aws:'))) expect(r.name, r.type).toMatch(/^tributary-qa(-|$)/);
  });

  it('keeps the stage bucket private, encrypted, TLS-only, and expires batches after the stage retention', () => {
    const bucket = state('aws:s3/bucket:Bucket').bucket!;
    const bucketId = one('aws:s3/bucket:Bucket').name + '-id';
    expect(one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock').inputs).toMatchObject({
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one('aws:s3/bucketOwnershipControls:BucketOwnershipControls').inputs.rule).toEqual({ objectOwnership: 'BucketOwnerEnforced' });
    expect(one('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration').inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
    ]);
    expect(one('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').inputs.rules).toEqual([
      { id: 'stage-retention', status: 'Enabled', filter: { prefix: 'tributary/' }, expiration: { days: 5 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
    ]);
    expect(policy(one('aws:s3/bucketPolicy:BucketPolicy')).Statement).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:*'],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  it('creates a private Redshift Serverless workgroup whose admin password Redshift keeps, with the COPY role attached', () => {
    const ns = one('aws:redshiftserverless/namespace:Namespace').inputs;
    const copyRole = state('aws:iam/role:Role', 'tributary-qa-copy').arn;
    expect(ns).toMatchObject({ namespaceName: 'tributary-qa', dbName: 'tributary', manageAdminPassword: true, iamRoles: [copyRole], defaultIamRoleArn: copyRole });
    expect(ns).not.toHaveProperty('adminUserPassword');
    expect(one('aws:redshiftserverless/workgroup:Workgroup').inputs).toMatchObject({
      workgroupName: 'tributary-qa',
      namespaceName: 'tributary-qa',
      baseCapacity: 16,
      publiclyAccessible: false,
      subnetIds: ['subnet-a', 'subnet-b'],
      securityGroupIds: ['sg-1'],
    });
  });

  it('creates one secret per source the values name, with no value in Pulumi (the source owners write it)', () => {
    const names = sourceSecretNames(releaseValues([join(here, '../values/small.yaml')]));
    expect(names).toEqual(['app-eu', 'app-us']);
    expect(ofType('aws:secretsmanager/secret:Secret').map((s) => s.inputs.name).sort()).toEqual(names.map((n) => `tributary/qa/${n}`));
    expect(resources.some((r) => r.type.startsWith('aws:secretsmanager/secretVersion'))).toBe(false);
  });
});

describe('IAM: each policy grants the least it can', () => {
  const bucketArn = () => state('aws:s3/bucket:Bucket').arn!;
  const rolePolicy = (role: string) => policy(one('aws:iam/rolePolicy:RolePolicy', role));
  const trust = (role: string) => policy(one('aws:iam/role:Role', role), 'assumeRolePolicy');

  it('names every action and resource: no wildcard action, and "*" only where the action takes no resource', () => {
    for (const p of ofType('aws:iam/rolePolicy:RolePolicy')) {
      for (const s of policy(p).Statement) {
        expect(s.Effect, `${p.name} ${s.Sid}`).toBe('Allow');
        for (const a of s.Action) expect(a, `${p.name} ${s.Sid}`).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
        const res = ([] as string[]).concat(s.Resource ?? []);
        expect(res.length, `${p.name} ${s.Sid}`).toBeGreaterThan(0);
        // "*" only for actions that take no resource, and then under a condition, or for
        // ListStatements, which lists the caller role's own statements only.
        if (res.includes('*')) expect(s.Condition !== undefined || s.Action.join() === 'redshift-data:ListStatements', `${p.name} ${s.Sid} grants "*"`).toBe(true);
      }
    }
  });

  it('lets only Redshift assume the COPY role', () => {
    expect(trust('tributary-qa-copy').Statement).toEqual([
      { Sid: 'RedshiftAssumesForCopy', Effect: 'Allow', Principal: { Service: ['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
    ]);
  });

  it('lets COPY read the stage prefix of the stage bucket, and nothing else', () => {
    expect(rolePolicy('tributary-qa-copy').Statement).toEqual<Statement[]>([
      { Sid: 'ReadStagedFiles', Effect: 'Allow', Action: ['s3:GetObject'], Resource: `${bucketArn()}/tributary/*` },
      { Sid: 'ListStagePrefix', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn(), Condition: { StringLike: { 's3:prefix': ['tributary/*'] } } },
    ]);
  });

  it('lets only the workers ServiceAccount of this namespace assume the worker role (IRSA)', () => {
    const issuer = `oidc.eks.${REGION}.amazonaws.com/id/5C1A1E2B3D4F`;
    expect(trust('tributary-qa-workers').Statement).toEqual([
      {
        Sid: 'WorkersServiceAccount',
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn },
        Action: ['sts:AssumeRoleWithWebIdentity'],
        Condition: { StringEquals: { [`${issuer}:sub`]: 'system:serviceaccount:tributary-qa:tributary', [`${issuer}:aud`]: 'sts.amazonaws.com' } },
      },
    ]);
  });

  it('gives the workers the stage prefix read-write, statements on their workgroup only, and exactly the pipeline secrets', () => {
    const secrets = [...ofType('aws:secretsmanager/secret:Secret').map((s) => s.state.arn as string), state('aws:redshiftserverless/namespace:Namespace').adminPasswordSecretArn!].sort();
    expect(secrets).toHaveLength(3);
    expect(rolePolicy('tributary-qa-workers').Statement).toEqual<Statement[]>([
      { Sid: 'StageReadWrite', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: `${bucketArn()}/tributary/*` },
      { Sid: 'ListStagePrefix', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn(), Condition: { StringLike: { 's3:prefix': ['tributary/*'] } } },
      {
        Sid: 'RunStatementsOnWorkgroup',
        Effect: 'Allow',
        Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
        Resource: state('aws:redshiftserverless/workgroup:Workgroup').arn!,
      },
      {
        Sid: 'FollowRoleStatements',
        Effect: 'Allow',
        Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:CancelStatement'],
        Resource: '*',
        Condition: { StringLike: { 'redshift-data:statement-owner-iam-userid': `${state('aws:iam/role:Role', 'tributary-qa-workers').uniqueId}:*` } },
      },
      { Sid: 'ListRoleStatements', Effect: 'Allow', Action: ['redshift-data:ListStatements'], Resource: '*' },
      { Sid: 'ReadPipelineSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets },
    ]);
  });
});

describe('the Helm release', () => {
  const release = () => one('kubernetes:helm.sh/v3:Release');

  it('installs the chart into the environment namespace, atomically', () => {
    expect(one('kubernetes:core/v1:Namespace').inputs.metadata).toMatchObject({ name: 'tributary-qa' });
    expect(release().inputs).toMatchObject({ name: 'tributary', chart: chartDir, namespace: 'tributary-qa', atomic: true });
  });

  it('passes the image, the worker role and the environment part of the config', () => {
    const values = release().inputs.values as Values;
    expect(values.image).toEqual({ repository: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/tributary`, tag: 'git-3f2a1b9' });
    expect(values.serviceAccount).toEqual({ create: true, name: 'tributary', roleArn: state('aws:iam/role:Role', 'tributary-qa-workers').arn });
    expect(values.config).toEqual({
      warehouse: {
        type: 'redshift',
        awsRegion: REGION,
        database: 'tributary',
        schema: 'analytics',
        workgroup: 'tributary-qa',
        secretArn: state('aws:redshiftserverless/namespace:Namespace').adminPasswordSecretArn,
        copyRoleArn: state('aws:iam/role:Role', 'tributary-qa-copy').arn,
      },
      stage: { type: 's3', bucket: state('aws:s3/bucket:Bucket').bucket, prefix: 'tributary/', awsRegion: REGION, retentionDays: 5, retentionBy: 'lifecycle' },
      secrets: { provider: 'aws', awsRegion: REGION, prefix: 'tributary/qa/' },
    });
  });

  describe('rendered by the real chart (helm template)', () => {
    let scratch = '';
    let objects: { kind: string; metadata: { name: string; annotations?: Record<string, string> }; data?: Record<string, string>; spec?: Record<string, unknown> }[] = [];

    beforeAll(() => {
      const install = spawnSync('bash', [join(here, '../../local/install-helm.sh')], { encoding: 'utf8' });
      if (install.status !== 0) throw new Error(`infra/local/install-helm.sh failed (exit ${install.status}):\n${install.stderr}`);
      const helm = install.stdout.trim().split('\n').pop()!;
      scratch = mkdtempSync(join(tmpdir(), 'tributary-pulumi-'));
      const pulumiValues = join(scratch, 'pulumi-values.yaml');
      writeFileSync(pulumiValues, stringify(release().inputs.values));
      const args = ['template', 'tributary', chartDir, '--namespace', 'tributary-qa', '-f', join(here, '../values/small.yaml'), '-f', pulumiValues];
      const r = spawnSync(helm, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config') } });
      if (r.status !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
      objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as (typeof objects)[number]);
    }, 900_000);
    afterAll(() => {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('gives the workers ServiceAccount the worker role that trusts it', () => {
      const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
      expect(sa.metadata.name).toBe('tributary');
      expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': state('aws:iam/role:Role', 'tributary-qa-workers').arn });
    });

    it('renders a config the workers accept, whose stage retention is the bucket lifecycle', () => {
      const cm = objects.find((o) => o.kind === 'ConfigMap')!;
      const cfg = validateConfig('ConfigMap', parse(cm.data!['config.yaml']!));
      expect(cfg.stage).toMatchObject({ type: 's3', bucket: state('aws:s3/bucket:Bucket').bucket, prefix: 'tributary/', awsRegion: REGION, retentionDays: 5, retentionBy: 'lifecycle' });
      const [lifecycle] = one('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').inputs.rules as { expiration: { days: number } }[];
      expect(lifecycle!.expiration.days).toBe(cfg.stage.retentionDays);
      expect(cfg.secrets).toMatchObject({ provider: 'aws', prefix: 'tributary/qa/' });
      for (const name of sourceSecretNames({ config: cfg })) {
        expect(ofType('aws:secretsmanager/secret:Secret').map((s) => s.inputs.name)).toContain(`${cfg.secrets.provider === 'aws' && cfg.secrets.prefix}${name}`);
      }
    });

    it('uses the environment values file (smaller workers)', () => {
      const deployments = objects.filter((o) => o.kind === 'Deployment');
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['tributary-default-eu', 'tributary-default-us']);
      for (const d of deployments) expect(d.spec!.replicas).toBe(1);
    });
  });
});

describe('the release config check', () => {
  const environment = { warehouse: { type: 'redshift', awsRegion: REGION, database: 'd', workgroup: 'w', copyRoleArn: `arn:aws:iam::${ACCOUNT}:role/c` }, stage: { type: 's3', bucket: 'bkt', awsRegion: REGION }, secrets: { provider: 'aws', awsRegion: REGION } };

  it('accepts the chart values with an environment', () => {
    expect(checkReleaseConfig('qa', releaseValues([]), environment).pipelines.map((p) => p.name)).toEqual(['orders']);
  });

  it('refuses a pipeline that names an undeclared source, before anything is released', () => {
    const values = mergeValues(releaseValues([]), { config: { pipelines: [{ name: 'invoices', kind: 'fact', source: 'billing', table: 'invoices', key: ['id'], watermark: 'updated_at' }] } });
    expect(() => checkReleaseConfig('qa', values, environment)).toThrow(ConfigError);
    expect(() => checkReleaseConfig('qa', values, environment)).toThrow(/the Helm values of stack "qa".*\n.*pipelines\[0\]\.source: expected one of the declared sources \(app\), got "billing"/);
  });

  it('merges values as Helm does: maps key by key, lists replaced, null removes', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null })).toEqual({ a: { b: 1, c: [3] } });
  });

  it('refuses a stack without the cluster OIDC provider', async () => {
    const config = Object.fromEntries(Object.entries(stackConfig).filter(([k]) => k !== 'tributary:oidcProviderArn'));
    await expect(runWithMocks('nooidc', config, () => readSettings())).rejects.toThrow(/tributary:oidcProviderArn/);
  });
});

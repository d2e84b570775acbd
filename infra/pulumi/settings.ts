// The stack's settings, read from its Pulumi config (Pulumi.<stack>.yaml, namespace
// "tributary"), with the defaults an environment gets when it says nothing.
import * as pulumi from '@pulumi/pulumi';

export interface RedshiftSettings {
  /** The database the warehouse tables live in. */
  database: string;
  /** The warehouse schema of the target tables. */
  schema: string;
  /** Redshift Processing Units the workgroup starts with (8 is the smallest). */
  baseCapacity: number;
  /** Private subnets and security groups of the VPC the workers run in. */
  subnetIds: string[];
  securityGroupIds: string[];
}

export interface EnvironmentSettings {
  /** The stack: qa, prod, … Part of every name. */
  stack: string;
  awsRegion: string;
  /** Kubernetes namespace of the release. */
  namespace: string;
  /** Image repository and tag of the workers (Jenkins sets the tag to the build it pushed). */
  image: string;
  imageTag: string;
  /** Extra Helm values for this environment, over the chart's values.yaml (path relative to this folder). */
  valuesFile?: string;
  /** Days a staged batch is kept: the bucket's lifecycle and the stage config both use it. */
  stageRetentionDays: number;
  /** Key prefix of the stage inside the bucket. */
  stagePrefix: string;
  redshift: RedshiftSettings;
  /** The EKS cluster's IAM OIDC provider, which IRSA trusts. */
  oidcProviderArn: string;
  /** Kubeconfig of the cluster; the ambient one (KUBECONFIG) when absent. */
  kubeconfig?: pulumi.Output<string>;
  /** Overrides of config.temporal (address, namespace) for this environment. */
  temporal?: { address?: string; namespace?: string };
}

export function readSettings(): EnvironmentSettings {
  const stack = pulumi.getStack();
  const cfg = new pulumi.Config('tributary');
  const redshift = cfg.getObject<Partial<RedshiftSettings>>('redshift') ?? {};
  const retention = cfg.getNumber('stageRetentionDays', { min: 1 }) ?? 7;
  if (!Number.isInteger(retention)) throw new Error(`tributary:stageRetentionDays must be a whole number of days, got ${retention}`);
  return {
    stack,
    awsRegion: new pulumi.Config('aws').require('region'),
    namespace: cfg.get('namespace') ?? `tributary-${stack}`,
    image: cfg.require('image'),
    imageTag: cfg.require('imageTag'),
    valuesFile: cfg.get('valuesFile'),
    stageRetentionDays: retention,
    stagePrefix: cfg.get('stagePrefix', { pattern: /^([A-Za-z0-9_.-]+\/)+$/ }) ?? 'tributary/',
    redshift: {
      database: redshift.database ?? 'tributary',
      schema: redshift.schema ?? 'analytics',
      baseCapacity: redshift.baseCapacity ?? 8,
      subnetIds: redshift.subnetIds ?? [],
      securityGroupIds: redshift.securityGroupIds ?? [],
    },
    oidcProviderArn: cfg.require('oidcProviderArn', { pattern: /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/ }),
    kubeconfig: cfg.getSecret('kubeconfig'),
    temporal: cfg.getObject<{ address?: string; namespace?: string }>('temporal'),
  };
}

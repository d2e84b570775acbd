// The Kubernetes side: the environment's namespace and the Helm release of infra/helm/tributary.
// Installing or upgrading the release runs the chart's hook Job (`tributary apply`); atomic, so
// a release whose schedules cannot be applied is rolled back instead of left half-done.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { chartDir } from './values.js';

export interface ReleaseArgs {
  namespace: string;
  /** Laid over the chart's values.yaml by Helm, in order. */
  valuesFiles: string[];
  /** What Pulumi sets: image, ServiceAccount role, the environment's part of the config. */
  values: pulumi.Input<Record<string, unknown>>;
  kubeconfig?: pulumi.Input<string>;
  dependsOn: pulumi.Resource[];
}

export const releaseName = 'tributary';
/** The workers' ServiceAccount; the worker role trusts exactly this one. */
export const serviceAccountName = 'tributary';

export function createRelease(args: ReleaseArgs): { namespace: k8s.core.v1.Namespace; release: k8s.helm.v3.Release } {
  const provider = args.kubeconfig ? new k8s.Provider('cluster', { kubeconfig: args.kubeconfig }) : undefined;
  const namespace = new k8s.core.v1.Namespace(args.namespace, { metadata: { name: args.namespace, labels: { 'app.kubernetes.io/part-of': 'tributary' } } }, { provider });
  const release = new k8s.helm.v3.Release(
    releaseName,
    {
      name: releaseName,
      chart: chartDir,
      namespace: namespace.metadata.name,
      valueYamlFiles: args.valuesFiles.map((f) => new pulumi.asset.FileAsset(f)),
      values: args.values,
      atomic: true,
      cleanupOnFail: true,
      timeout: 900,
      maxHistory: 10,
    },
    { provider, dependsOn: args.dependsOn },
  );
  return { namespace, release };
}

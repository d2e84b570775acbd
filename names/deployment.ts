// Whose names: every name Tributary gives in Temporal and in Kafka starts with the deployment's
// task queue prefix (`temporal.taskQueuePrefix`), so two deployments sharing a namespace or a
// cluster (qa and staging, say) never take each other's. A structural type, so this layer
// imports nothing: a config passes as it is, and so does a bare prefix.

/** A deployment: a validated config, or its task queue prefix. */
export type Deployment = string | { readonly temporal: { readonly taskQueuePrefix: string } };

/** The config schema's default `temporal.taskQueuePrefix`. */
export const DEFAULT_TASK_QUEUE_PREFIX = 'tributary';

export function prefixOf(d: Deployment): string {
  return typeof d === 'string' ? d : d.temporal.taskQueuePrefix;
}

// Builds a worker's metrics from the config: statsd and/or Prometheus (with its endpoint),
// or noop when neither is configured. Once per process: the endpoint holds a port.
import type { MetricsConfig } from '../../config/schema.js';
import { CompositeMetrics } from './composite.js';
import { noopMetrics, type PipelineMetrics } from './metrics.js';
import { servePrometheus, type PrometheusEndpoint } from './prometheus-endpoint.js';
import { PrometheusMetrics } from './prometheus.js';
import { StatsdMetrics } from './statsd.js';

export type * from './metrics.js';
export { noopMetrics } from './metrics.js';

export interface WorkerMetrics {
  metrics: PipelineMetrics;
  /** The Prometheus endpoint, when configured. */
  prometheus?: PrometheusEndpoint;
}

export interface CreateMetricsOptions {
  /** The Temporal SDK's own exporter, appended to /metrics. */
  runtimeMetricsUrl?: string;
  /** Tags for every statsd metric besides the config's, e.g. the worker's region. */
  statsdTags?: Record<string, string>;
  onError?: (err: unknown) => void;
}

export async function createMetrics(cfg: MetricsConfig, opts: CreateMetricsOptions = {}): Promise<WorkerMetrics> {
  const backends: PipelineMetrics[] = [];
  let prometheus: PrometheusEndpoint | undefined;
  if (cfg.statsd) {
    backends.push(new StatsdMetrics({ ...cfg.statsd, tags: { ...opts.statsdTags, ...cfg.statsd.tags }, onError: opts.onError }));
  }
  if (cfg.prometheus) {
    const prom = new PrometheusMetrics();
    prometheus = await servePrometheus(prom, { host: cfg.prometheus.host, port: cfg.prometheus.port, runtimeMetricsUrl: opts.runtimeMetricsUrl });
    const endpoint = prometheus;
    backends.push(prom, { ...noopMetrics, close: () => endpoint.close() });
  }
  if (backends.length === 0) return { metrics: noopMetrics };
  return { metrics: new CompositeMetrics(backends, opts.onError), prometheus };
}

// One scrape target per worker: GET /metrics answers the pipeline metrics (prom-client) followed
// by the Temporal SDK's runtime metrics, which the SDK's own exporter serves on a loopback port
// that this endpoint reads (so Kubernetes needs one port and one annotation).
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { PrometheusMetrics } from './prometheus.js';

export interface PrometheusEndpointOptions {
  host: string;
  port: number;
  /** The Temporal SDK exporter, e.g. http://127.0.0.1:40123/metrics; none when the runtime has no metrics. */
  runtimeMetricsUrl?: string;
}

export interface PrometheusEndpoint {
  /** The bound port (useful when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

async function runtimeText(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return `# temporal runtime metrics: HTTP ${res.status}\n`;
    return await res.text();
  } catch (err) {
    return `# temporal runtime metrics unavailable: ${(err as Error).message}\n`;
  }
}

export async function servePrometheus(metrics: PrometheusMetrics, opts: PrometheusEndpointOptions): Promise<PrometheusEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: scrape /metrics\n');
      return;
    }
    void Promise.all([metrics.text(), opts.runtimeMetricsUrl ? runtimeText(opts.runtimeMetricsUrl) : ''])
      .then(([ours, sdk]) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(`${ours}\n${sdk}`))
      .catch((err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`prometheus endpoint cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err })));
    server.listen(opts.port, opts.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A free loopback port for the Temporal SDK's exporter (it must be given an address up front). */
export async function freeLoopbackPort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const address = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  if (!address || typeof address !== 'object') throw new Error('no free loopback port');
  return address.port;
}

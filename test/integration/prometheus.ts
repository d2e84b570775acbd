// The local Prometheus (infra/local/start.sh, port 9090) for tests: a worker is made a scrape
// target by a file_sd file in .local-stack/prometheus/targets/, and PromQL goes through the HTTP
// API. Without a running Prometheus the suite fails, saying how to start it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack.js';

export const PROMETHEUS_URL = process.env.TRIBUTARY_PROMETHEUS_URL ?? 'http://127.0.0.1:9090';
const TARGETS_DIR = join(ROOT, '.local-stack/prometheus/targets');

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

async function api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const url = `${PROMETHEUS_URL}${path}?${new URLSearchParams(params).toString()}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new Error(`Prometheus at ${PROMETHEUS_URL} does not answer (${(err as Error).message}): start the local stack (bash infra/local/start.sh)`, { cause: err });
  }
  const body = (await res.json()) as ApiAnswer<T>;
  if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
  return body.data;
}

export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** An instant query; the series it returns. */
export async function instantQuery(expr: string): Promise<PromSeries[]> {
  return (await api<{ result: PromSeries[] }>('/api/v1/query', { query: expr })).result;
}

/** Prometheus's own parse of an expression (the AST as JSON), so a test reads queries as Prometheus does. */
export function parseQuery(expr: string): Promise<PromNode> {
  return api<PromNode>('/api/v1/parse_query', { query: expr });
}

/** The parts of the AST that name metrics and labels. */
export interface PromNode {
  type: string;
  name?: string;
  matchers?: { name: string; type: string; value: string }[];
  grouping?: string[];
  without?: boolean;
  matching?: { card: string; labels: string[]; on: boolean; include: string[] } | null;
  [child: string]: unknown;
}

/** Registers 127.0.0.1:port as a scrape target (file_sd) until the returned function removes it. */
export function scrapeTarget(name: string, port: number, labels: Record<string, string> = {}): () => void {
  mkdirSync(TARGETS_DIR, { recursive: true });
  const file = join(TARGETS_DIR, `${name}.json`);
  writeFileSync(file, JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels }]));
  return () => rmSync(file, { force: true });
}

interface Target {
  scrapeUrl: string;
  health: string;
  lastScrape: string;
  lastError: string;
}

/** Waits until Prometheus has scraped 127.0.0.1:port successfully after `after`. */
export async function scrapedSince(port: number, after: Date, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: Target | undefined;
  while (Date.now() < deadline) {
    const { activeTargets } = await api<{ activeTargets: Target[] }>('/api/v1/targets', { state: 'active' });
    seen = activeTargets.find((t) => t.scrapeUrl.startsWith(`http://127.0.0.1:${port}/`));
    if (seen?.health === 'up' && Date.parse(seen.lastScrape) > after.getTime()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Prometheus did not scrape 127.0.0.1:${port} within ${timeoutMs / 1000} s: ${seen ? `${seen.health} ${seen.lastError}` : 'not a target (file_sd in .local-stack/prometheus/targets)'}`);
}

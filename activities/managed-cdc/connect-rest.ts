// Kafka Connect's REST API, the calls managed CDC makes: connectors with their configs and
// status, create or update, stop, resume, restart failed tasks, reset offsets, delete. Errors
// name the Connect cluster and the call; a connector config never holds a secret, so answers may
// be quoted. Over HTTPS with the cluster's CA bundle (and client certificate), with HTTP basic
// auth from the cluster's secret; refused credentials or certificates fail at once.
import { ApplicationFailure } from '@temporalio/common';
import { Agent, request } from 'undici';
import type { SecretProvider } from '../secrets/provider.js';
import { secretRedactor } from '../secrets/redact.js';
import { tlsMaterial, type TlsFiles } from '../secrets/tls.js';
import { certificateFailure } from '../sources/kafka/tls-failure.js';
import { basicAuthHeader, refusedAccess } from './connect-auth.js';

export interface ConnectorState {
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  status?: ConnectorState;
}

/** Where a Connect cluster's REST API is and how to reach it (config's kafka cluster connect:). */
export interface ConnectEndpoint {
  url: string;
  /** The secret with the basic-auth username and password (and optionally tlsCa, tlsCert, tlsPrivateKey). */
  secret?: string;
  tls?: TlsFiles;
}

export class ConnectError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** Config or secret content that every retry would send again: the same refusal each time. */
function refuse(message: string, cause?: unknown): never {
  throw ApplicationFailure.create({ message, type: 'ConnectRefused', nonRetryable: true, ...(cause instanceof Error ? { cause } : {}) });
}

export class ConnectCluster {
  readonly url: string;
  private readonly endpoint: ConnectEndpoint;
  private session?: Promise<{ dispatcher?: Agent; authorization?: string }>;

  constructor(
    endpoint: ConnectEndpoint | string,
    private readonly secrets?: SecretProvider,
    private readonly timeoutMs = 30_000,
  ) {
    this.endpoint = typeof endpoint === 'string' ? { url: endpoint } : endpoint;
    this.url = this.endpoint.url.replace(/\/+$/, '');
  }

  /** The secret's credentials and TLS material, read once per instance (a cluster lives for one activity). */
  private open(): Promise<{ dispatcher?: Agent; authorization?: string }> {
    return (this.session ??= (async () => {
      const { secret, tls } = this.endpoint;
      if (secret && !this.secrets) throw new Error(`Kafka Connect ${this.url}: secret "${secret}" is named but no secret provider was given`);
      const cred = secret ? await this.secrets!.get(secret) : undefined;
      const out: { dispatcher?: Agent; authorization?: string } = {};
      if (cred) out.authorization = basicAuthHeader(this.url, secret!, cred);
      if (out.authorization) secretRedactor.remember(out.authorization);
      if (this.url.startsWith('https:')) {
        const m = await tlsMaterial(`Kafka Connect ${this.url}`, tls, secret, cred);
        if (m.ca || m.cert) out.dispatcher = new Agent({ connect: { ...(m.ca ? { ca: m.ca } : {}), ...(m.cert ? { cert: m.cert, key: m.key } : {}) } });
      }
      return out;
    })().catch((err: unknown) => {
      this.session = undefined;
      throw err;
    }));
  }

  /** One REST call; its parsed JSON answer (null for an empty one). */
  async call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const { dispatcher, authorization } = await this.open();
    let status: number;
    let text: string;
    try {
      const res = await request(`${this.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(authorization ? { authorization } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(dispatcher ? { dispatcher } : {}),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      const cert = certificateFailure(err);
      if (cert) refuse(`Kafka Connect ${this.url}: its TLS certificate is not accepted (${cert.code}: ${cert.message}); give the cluster's CA bundle (connect.tls.caFile, or tlsCa in its secret)`, err);
      throw new ConnectError(`Kafka Connect ${this.url}: ${method} ${path}: ${(err as Error).message}`);
    }
    const refused = refusedAccess(this.url, this.endpoint.secret, status);
    if (refused) refuse(refused);
    if (status < 200 || status > 299) throw new ConnectError(`Kafka Connect ${this.url}: ${method} ${path}: HTTP ${status} ${text.slice(0, 300)}`, status);
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** Releases the TLS connections (the process may keep running). */
  async close(): Promise<void> {
    const s = await this.session?.catch(() => undefined);
    await s?.dispatcher?.close();
  }

  /** Every connector with its config and status. */
  async connectors(): Promise<ConnectorInfo[]> {
    const all = (await this.call('GET', '/connectors?expand=info&expand=status')) as Record<string, { info?: { name: string; config: Record<string, string> }; status?: ConnectorState }>;
    return Object.entries(all).map(([name, v]) => ({ name, config: v.info?.config ?? {}, ...(v.status ? { status: v.status } : {}) }));
  }

  /** The connector's status, or undefined when there is no such connector. */
  async status(name: string): Promise<ConnectorState | undefined> {
    try {
      return (await this.call('GET', `/connectors/${encodeURIComponent(name)}/status`)) as ConnectorState;
    } catch (err) {
      if (err instanceof ConnectError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The configs its tasks run with now. */
  async taskConfigs(name: string): Promise<Record<string, string>[]> {
    const tasks = (await this.call('GET', `/connectors/${encodeURIComponent(name)}/tasks`)) as { config: Record<string, string> }[];
    return tasks.map((t) => t.config);
  }

  /** Creates the connector or replaces its config. */
  async put(name: string, config: Record<string, string>): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
  }

  async stop(name: string): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/stop`);
  }

  async pause(name: string): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/pause`);
  }

  async resume(name: string): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/resume`);
  }

  /** Restarts the failed connector instance and failed tasks only. */
  async restartFailed(name: string): Promise<void> {
    await this.call('POST', `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
  }

  /** Forgets the source offsets of a stopped connector, so a connector of that name starts afresh. */
  async resetOffsets(name: string): Promise<void> {
    await this.call('DELETE', `/connectors/${encodeURIComponent(name)}/offsets`);
  }

  async delete(name: string): Promise<void> {
    try {
      await this.call('DELETE', `/connectors/${encodeURIComponent(name)}`);
    } catch (err) {
      if (!(err instanceof ConnectError && err.status === 404)) throw err;
    }
  }

  /** Waits until `ok` holds for the connector's status; a failed task ends the wait with its trace. */
  async waitFor(name: string, what: string, ok: (s: ConnectorState) => boolean, opts: { timeoutMs?: number; failFast?: boolean } = {}): Promise<ConnectorState> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status(name);
      if (s && ok(s)) return s;
      const failed = s && [s.connector, ...s.tasks].find((t) => t.state === 'FAILED');
      if (failed && opts.failFast !== false) throw new ConnectError(`connector ${name} on ${this.url} failed while ${what}: ${firstLine(failed.trace)}`);
      const last = s ? JSON.stringify({ connector: s.connector.state, tasks: s.tasks.map((t) => t.state) }) : 'no such connector';
      if (Date.now() > deadline) throw new ConnectError(`connector ${name} on ${this.url}: not ${what} within ${timeoutMs / 1000} s (${last})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A Java stack trace in one line: its exception and message, and its root cause (the last "Caused by"). */
export function firstLine(trace: string | undefined): string {
  const lines = (trace ?? 'no trace').split('\n');
  const root = lines.filter((l) => l.startsWith('Caused by: ')).at(-1)?.slice('Caused by: '.length);
  return `${lines[0]!.slice(0, 300)}${root ? ` (caused by ${root.slice(0, 300)})` : ''}`;
}

export const running = (s: ConnectorState) => s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');
export const stopped = (s: ConnectorState) => s.connector.state === 'STOPPED' && s.tasks.length === 0;

// `tributary apply` for managed CDC: per capture and region, the publication and signal table at
// the source, one topic per table, and the Debezium connector on the region's Connect cluster, in
// step with the config. A table added joins the publication and the include list and is
// snapshotted incrementally through the signal table; one removed leaves both. A capture gone
// from the config has its connector stopped (its slot, offsets and publication kept, so putting it
// back resumes where it stood); with dropSlot its offsets, connector, slot and publication go.
import type { TributaryConfig } from '../../config/schema.js';
import { postgresEndpoints } from '../../config/resolve.js';
import { CONNECTOR_MARK } from '../../names/managed-cdc.js';
import { prefixOf } from '../../names/deployment.js';
import type { SecretProvider } from '../secrets/provider.js';
import { createMissingTopics } from '../sources/kafka/client.js';
import { regionCaptures, type RegionCapture } from './captures.js';
import { ConnectCluster, firstLine, running, stopped, type ConnectEndpoint, type ConnectorInfo } from './connect-rest.js';
import { configChanges, connectorConfig, includedTables, type Login } from './connector-config.js';
import { dropSlot, requestSnapshot, syncSource } from './source-side.js';

export type CaptureAction = 'create' | 'update' | 'resume' | 'restart' | 'unchanged' | 'stop' | 'stopped' | 'drop' | 'failed' | 'conflict';

export interface CaptureRow {
  capture: string;
  region: string;
  connector: string;
  connect: string;
  action: CaptureAction;
  /** What was done, or would be in a dry run. */
  detail?: string;
  /** Why it failed: names capture, region, source and table. */
  error?: string;
}

export interface CaptureApplyOptions {
  dryRun?: boolean;
  /** For captures gone from the config: also reset the connector's offsets and drop it, its slot and its publication. */
  dropSlot?: boolean;
}

/** The non-secret part of the connector role's secret. */
async function loginOf(c: RegionCapture, secrets: SecretProvider): Promise<Login> {
  const s = await secrets.get(c.cdc.secret);
  const host = c.server.host ?? s.host;
  const port = c.server.port ?? (s.port === undefined ? undefined : Number(s.port));
  const dbname = c.server.database ?? s.dbname;
  if (!host || !port || !dbname || !s.username) {
    throw new Error(`capture ${c.capture}, region ${c.region}, source ${c.server.id}: host, port, database and username must come from the config or from secret "${c.cdc.secret}"`);
  }
  return { host: String(host), port, dbname: String(dbname), username: String(s.username) };
}

export async function applyCaptures(config: TributaryConfig, secrets: SecretProvider, opts: CaptureApplyOptions = {}): Promise<CaptureRow[]> {
  const prefix = prefixOf(config);
  const wanted = regionCaptures(config);
  const clusters = new Map<string, ConnectCluster>();
  for (const [url, endpoint] of connectEndpoints(config)) clusters.set(url, new ConnectCluster(endpoint, secrets));
  const listed = new Map<string, ConnectorInfo[] | Error>();
  for (const [url, cluster] of clusters) listed.set(url, await cluster.connectors().catch((err: unknown) => err as Error));

  const rows: CaptureRow[] = [];
  for (const c of wanted) {
    const row: CaptureRow = { capture: c.capture, region: c.region, connector: c.connector, connect: c.connectUrl, action: 'unchanged' };
    try {
      const existing = listed.get(c.connectUrl);
      if (existing instanceof Error) throw existing;
      Object.assign(row, await applyOne(c, clusters.get(c.connectUrl)!, existing!.find((x) => x.name === c.connector), secrets, prefix, opts.dryRun === true));
    } catch (err) {
      row.action = 'failed';
      row.error = (err as Error).message;
    }
    rows.push(row);
  }

  // Connectors of ours that no capture wants any more (on any Connect cluster of the config).
  const keep = new Set(wanted.map((c) => `${c.connectUrl} ${c.connector}`));
  for (const [url, found] of listed) {
    if (found instanceof Error) continue;
    for (const info of found) {
      if (info.config[CONNECTOR_MARK.managedBy] !== prefix || keep.has(`${url} ${info.name}`)) continue;
      const row: CaptureRow = { capture: info.config[CONNECTOR_MARK.capture] ?? '?', region: regionOf(config, info), connector: info.name, connect: url, action: 'stopped' };
      try {
        Object.assign(row, await retire(config, clusters.get(url)!, info, secrets, opts));
      } catch (err) {
        row.action = 'failed';
        row.error = (err as Error).message;
      }
      rows.push(row);
    }
  }
  await Promise.all([...clusters.values()].map((c) => c.close()));
  return rows;
}

async function applyOne(c: RegionCapture, cluster: ConnectCluster, existing: ConnectorInfo | undefined, secrets: SecretProvider, prefix: string, dryRun: boolean): Promise<Partial<CaptureRow>> {
  if (existing && existing.config[CONNECTOR_MARK.managedBy] !== prefix) {
    return { action: 'conflict', error: `connector ${c.connector} on ${c.connectUrl} exists and is not this deployment's (no ${CONNECTOR_MARK.managedBy}=${prefix} in its config): left alone` };
  }
  const login = await loginOf(c, secrets);
  const source = await syncSource(c, secrets, login.username, dryRun);
  const usable = new Set(source.usable);
  const capture: RegionCapture = { ...c, tables: c.tables.filter((t) => usable.has(`${t.schema}.${t.table}`)) };
  const done = [...source.actions];
  const fail = (action: CaptureAction = 'failed') => ({ action, detail: done.join('; ') || undefined, error: source.problems.join('; ') });
  // Nothing of the connector changes while the publication is not what it needs.
  if (capture.tables.length === 0 || source.problems.some((p) => p.includes(`publication ${c.publication}`) || p.includes('signal table'))) return fail();

  const created = dryRun ? [] : await createMissingTopics(c.kafka, secrets, capture.tables.map((t) => t.topic), c.managed.partitions);
  if (created.length) done.push(`topics ${created.join(', ')} created`);

  const wanted = connectorConfig(capture, login, prefix);
  const changes = configChanges(existing?.config, wanted);
  const before = new Set(includedTables(existing?.config['table.include.list']));
  const added = existing ? capture.tables.map((t) => `${t.schema}.${t.table}`).filter((t) => !before.has(t)) : [];
  const removed = [...before].filter((t) => !capture.tables.some((x) => `${x.schema}.${x.table}` === t));
  let action: CaptureAction = 'unchanged';
  if (!existing) {
    action = 'create';
    done.push(`connector created (${capture.tables.length} tables, initial snapshot)`);
    if (!dryRun) {
      await cluster.put(c.connector, wanted);
      await cluster.waitFor(c.connector, 'running', running);
    }
  } else if (changes.length > 0) {
    action = 'update';
    done.push([added.length ? `adds ${added.join(', ')}` : '', removed.length ? `removes ${removed.join(', ')}` : '', `changed ${changes.join(', ')}`].filter(Boolean).join('; '));
    if (!dryRun) {
      // Stopped first, so the tasks that run afterwards surely have the new config (a snapshot
      // signal read by an old task would be dropped as a table it does not capture), and a
      // failed task's status is not mistaken for the new one's.
      await cluster.stop(c.connector);
      await cluster.waitFor(c.connector, 'stopped', stopped, { failFast: false });
      await cluster.put(c.connector, wanted);
      await cluster.resume(c.connector);
      await cluster.waitFor(c.connector, 'running', running);
      if (added.length) done.push(`incremental snapshot of ${added.join(', ')} requested (signal ${await requestSnapshot(c, secrets, added)})`);
    } else if (added.length) done.push(`incremental snapshot of ${added.join(', ')}`);
  } else {
    const state = existing.status;
    if (state && state.connector.state === 'STOPPED') {
      action = 'resume';
      done.push('stopped connector resumed');
      if (!dryRun) {
        await cluster.resume(c.connector);
        await cluster.waitFor(c.connector, 'running', running);
      }
    } else if (state && [state.connector, ...state.tasks].some((t) => t.state === 'FAILED')) {
      action = 'restart';
      const failed = [state.connector, ...state.tasks].find((t) => t.state === 'FAILED')!;
      done.push(`failed connector restarted (${firstLine(failed.trace)})`);
      if (!dryRun) {
        await cluster.restartFailed(c.connector);
        // The failed status stands until the restarted task reports: a failure again shows as a timeout with its states.
        await cluster.waitFor(c.connector, 'running', running, { failFast: false, timeoutMs: 60_000 });
      }
    } else if (state?.connector.state === 'PAUSED') done.push('paused by hand: left paused');
  }
  return source.problems.length ? { ...fail(), action: 'failed', detail: done.join('; ') } : { action, ...(done.length ? { detail: done.join('; ') } : {}) };
}

/** A connector of ours no capture wants: stopped; with dropSlot, its offsets, itself, its slot and its publication go. */
async function retire(config: TributaryConfig, cluster: ConnectCluster, info: ConnectorInfo, secrets: SecretProvider, opts: CaptureApplyOptions): Promise<Partial<CaptureRow>> {
  const slot = info.config['slot.name'] ?? '';
  const isStopped = info.status?.connector.state === 'STOPPED';
  if (!opts.dropSlot) {
    if (isStopped) return { action: 'stopped', detail: `slot ${slot} kept (it holds WAL at the source): apply --drop-slot drops it` };
    if (!opts.dryRun) {
      await cluster.stop(info.name);
      await cluster.waitFor(info.name, 'stopped', stopped, { failFast: false });
    }
    return { action: 'stop', detail: `no capture wants it: stopped; slot ${slot} kept (it holds WAL at the source): apply --drop-slot drops it` };
  }
  const server = serverOf(config, info);
  if (!server) {
    return { action: 'failed', error: `connector ${info.name}: source ${info.config[CONNECTOR_MARK.source]} is not in the config with cdc: on its server, so its slot ${slot} cannot be dropped here; drop it at the source by hand` };
  }
  if (opts.dryRun) return { action: 'drop', detail: `connector, its offsets, slot ${slot} and publication ${info.config['publication.name']} would be dropped` };
  if (!isStopped) {
    await cluster.stop(info.name);
    await cluster.waitFor(info.name, 'stopped', stopped, { failFast: false });
  }
  // Forgotten offsets: a capture of the same name later starts with a snapshot, not at an LSN its new slot lacks.
  await cluster.resetOffsets(info.name);
  await cluster.delete(info.name);
  const done = await dropSlot({ ...server, slot, publication: info.config['publication.name'] ?? slot }, secrets);
  return { action: 'drop', detail: ['connector and its offsets deleted', ...done].join('; ') };
}

/** Every Connect cluster the config names, by REST URL (the first entry of a URL wins). */
function connectEndpoints(config: TributaryConfig): Map<string, ConnectEndpoint> {
  const out = new Map<string, ConnectEndpoint>();
  for (const s of Object.values(config.sources)) {
    if (s.type !== 'kafka') continue;
    for (const c of s.clusters) if (c.connect && !out.has(c.connect.url.replace(/\/+$/, ''))) out.set(c.connect.url.replace(/\/+$/, ''), c.connect);
  }
  return out;
}

function regionOf(_config: TributaryConfig, info: ConnectorInfo): string {
  return (info.config[CONNECTOR_MARK.source] ?? '').split('/')[1] ?? '?';
}

/** The server a connector of ours reads, from its mark ("app/us"), as the config declares it now. */
function serverOf(config: TributaryConfig, info: ConnectorInfo): Pick<RegionCapture, 'server' | 'cdc'> | undefined {
  const [source, region] = (info.config[CONNECTOR_MARK.source] ?? '').split('/');
  const src = source === undefined ? undefined : config.sources[source];
  if (!src || src.type !== 'postgres' || !region) return undefined;
  const s = src.servers.find((x) => x.region === region && x.cdc);
  if (!s?.cdc) return undefined;
  return { server: postgresEndpoints(config, source!, region).find((e) => e.cell === s.cell)!, cdc: s.cdc };
}

// Resnapshots of a CDC pipeline's table in one region: the signal that asks its Debezium
// connector for an incremental snapshot (of the table, or of some keys), written to the signal
// table on the region's server of the captured source; and how far that snapshot has come, from
// the connector's notifications (sink channel) and then from the warehouse offsets ledger, until
// the data topic's offsets that hold its last chunk are applied.
import { kafkaEndpoints, postgresEndpoints, sourceTable, type PostgresEndpoint } from '../../../config/resolve.js';
import type { CdcPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import { withPg } from '../../pg/connect.js';
import { openKafka, UnknownTopicError, type KafkaSource } from '../../sources/kafka/client.js';
import type { ResnapshotInput, ResnapshotProgress, ResnapshotSignal, ResnapshotTarget } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { foldNotifications, notificationKeyId, offsetsBehind, parseNotification, type Notification } from './resnapshot-notifications.js';
import { defaultNotificationTopic, fitsSignal, INSERT_SIGNAL_SQL, MAX_SIGNAL_DATA, resnapshotFilter, SIGNAL_SCHEMA, SIGNAL_TABLE, snapshotSignalData, topicPrefix } from './resnapshot-signal.js';

/** The captured table and the one server of its source in the region that takes the signal. */
export function signalTarget(deps: ActivityDeps, p: CdcPipelineConfig, region: string): { server: PostgresEndpoint & { signalSecret: string }; schema: string; table: string; notificationTopic: string } {
  const from = p.options.capturedFrom;
  if (!from) throw badInput(`pipeline ${p.name}, region ${region}: a resnapshot names the table its connector captures; set options.capturedFrom: { source, table }`);
  const servers = postgresEndpoints(deps.config, from.source, region);
  if (servers.length !== 1) throw badInput(`pipeline ${p.name}, region ${region}: a resnapshot needs one server of source ${from.source} in the region (found ${servers.length})`);
  const server = servers[0]!;
  if (!server.signalSecret) {
    throw badInput(`pipeline ${p.name}, region ${region}, source ${server.id}, table ${from.table}: set signalSecret on the server (sources.${from.source}.servers[].signalSecret): the role that writes ${SIGNAL_SCHEMA}.${SIGNAL_TABLE}`);
  }
  const [schema, table] = sourceTable(from.table);
  let notificationTopic = p.options.notificationTopic;
  if (!notificationTopic) {
    const prefix = topicPrefix(p.topic, schema, table);
    if (!prefix) throw badInput(`pipeline ${p.name}, region ${region}: topic ${p.topic} is not named <topic.prefix>.${schema}.${table}; set options.notificationTopic (the connector's notification.sink.topic.name)`);
    notificationTopic = defaultNotificationTopic(prefix);
  }
  return { server: { ...server, signalSecret: server.signalSecret }, schema, table, notificationTopic };
}

async function withKafka<T>(deps: ActivityDeps, e: Parameters<typeof openKafka>[0], fn: (k: KafkaSource) => Promise<T>): Promise<T> {
  const k = await openKafka(e, deps.secrets, 'tributary-resnapshot');
  try {
    return await fn(k);
  } finally {
    await k.close().catch(() => undefined);
  }
}

/** A topic's end offsets on one cluster; none when the cluster does not have it. */
async function ends(k: KafkaSource, topic: string): Promise<{ partition: number; start: number; end: number }[]> {
  try {
    return await k.partitions(topic);
  } catch (err) {
    if (err instanceof UnknownTopicError) return [];
    throw err;
  }
}

/** Writes the signal (once per signal id: a retry finds its row and sends nothing again). */
export async function signalResnapshot(deps: ActivityDeps, p: CdcPipelineConfig, input: ResnapshotInput & { signalId: string }): Promise<ResnapshotSignal> {
  const { server, schema, table, notificationTopic } = signalTarget(deps, p, input.region);
  const label = `pipeline ${p.name}, region ${input.region}, source ${server.id}, table ${schema}.${table}`;
  let filter: string | null;
  try {
    filter = resnapshotFilter(p.key, input, label);
  } catch (err) {
    throw badInput((err as Error).message);
  }
  const collection = `${schema}.${table}`;
  const data = snapshotSignalData(collection, filter);
  if (!fitsSignal(data)) throw badInput(`${label}: the signal for these keys has ${data.length} characters, more than the signal table's ${MAX_SIGNAL_DATA}: resnapshot fewer keys at a time`);
  // Where the notifications stood before the signal: the snapshot's own come after.
  const from: ResnapshotSignal['from'] = [];
  for (const e of kafkaEndpoints(deps.config, p.source, input.region)) {
    for (const b of await withKafka(deps, e, (k) => ends(k, notificationTopic))) from.push({ cluster: e.id, partition: b.partition, offset: b.end });
  }
  const sent = await withPg({ label: `source ${server.id} (signal)`, host: server.host, port: server.port, database: server.database, secret: server.signalSecret }, deps.secrets, async (c) => {
    try {
      return ((await c.query(INSERT_SIGNAL_SQL, [input.signalId, data])).rowCount ?? 0) > 0;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '42P01' || code === '3F000') throw badInput(`${label}: the signal table ${SIGNAL_SCHEMA}.${SIGNAL_TABLE} does not exist on the server (docs/cdc.md, Resnapshots)`);
      if (code === '42501') throw badInput(`${label}: the role of signalSecret may not insert into ${SIGNAL_SCHEMA}.${SIGNAL_TABLE}`);
      throw err;
    }
  });
  // A retried activity whose first try wrote the signal: its notifications may already be out, read them all.
  return { pipeline: p.name, region: input.region, signalId: input.signalId, collection, filter, notificationTopic, from: sent ? from : [] };
}

/** How far the snapshot is: its scan from the notifications, then, once scanned, the ledger against the data topic's offsets. */
export async function resnapshotProgress(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: CdcPipelineConfig,
  s: ResnapshotSignal,
  target?: ResnapshotTarget,
): Promise<ResnapshotProgress> {
  const endpoints = kafkaEndpoints(deps.config, p.source, s.region);
  const applied = async (t: ResnapshotTarget) => {
    const ledger = new Map<string, Map<number, number>>();
    for (const cell of new Set(t.map((x) => x.cell))) ledger.set(cell, await warehouse.readOffsets({ pipeline: p.name, region: s.region, cell, topic: p.topic }));
    return offsetsBehind(t, (cell, partition) => ledger.get(cell)?.get(partition));
  };
  if (target) {
    const behind = await applied(target);
    return { state: behind === 0 ? 'done' : 'merging', chunks: 0, lastKey: null, maximumKey: null, rowsScanned: null, target, behind };
  }
  const notes: Notification[] = [];
  for (const e of endpoints) {
    await withKafka(deps, e, async (k) => {
      for (const b of await ends(k, s.notificationTopic)) {
        const start = Math.max(b.start, s.from.find((f) => f.cluster === e.id && f.partition === b.partition)?.offset ?? b.start);
        if (start >= b.end) continue;
        await k.readRange(s.notificationTopic, b.partition, start, b.end, (batch) => {
          for (const m of batch) {
            if (notificationKeyId(m.key?.toString('utf8') ?? null) !== s.signalId) continue;
            const n = parseNotification(m.value?.toString('utf8') ?? null);
            if (n) notes.push(n);
          }
        });
      }
    });
  }
  // One snapshot's notifications share a key, so they sit in one partition, in order.
  const scan = foldNotifications(s.signalId, notes);
  const base = { chunks: scan.chunks, lastKey: scan.lastKey, maximumKey: scan.maximumKey, rowsScanned: scan.rowsScanned, ...(scan.note ? { note: scan.note } : {}) };
  if (scan.state !== 'scanned') return { ...base, state: scan.state, behind: null };
  // Scanned: the connector wrote the last chunk before it said so, so the data topic's ends now hold it.
  const t: ResnapshotTarget = [];
  for (const e of endpoints) {
    for (const b of await withKafka(deps, e, (k) => ends(k, p.topic))) t.push({ cluster: e.id, cell: e.cell, partition: b.partition, offset: b.end });
  }
  const behind = await applied(t);
  return { ...base, state: behind === 0 ? 'done' : 'merging', target: t, behind };
}

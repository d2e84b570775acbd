// Resnapshots of a CDC pipeline's table in one region: the signal that asks its Debezium
// connector for an incremental snapshot (of the table, or of some keys), written to the signal
// table on the region's server of the captured source; and how far that snapshot has come, from
// the connector's notifications (sink channel) and then from the warehouse offsets ledger, until
// the data topic's offsets that hold its last chunk are applied; and the rows it did not write,
// deleted per chunk window and when it completes (docs/cdc.md, Deletes per chunk window).
import { kafkaEndpoints, postgresEndpoints, sourceTable, type PostgresEndpoint } from '../../../config/resolve.js';
import type { CdcPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import { withPg } from '../../pg/connect.js';
import { tableColumns } from '../../sources/postgres/columns.js';
import { withCdcSides } from './verify.js';
import { warehouseResnapshotDeleteBlocker } from '../../reconcile/warehouse-blocker.js';
import { keyNaming } from '../../reconcile/bucket-sql.js';
import { openKafka, UnknownTopicError, type KafkaSource } from '../../sources/kafka/client.js';
import type { ResnapshotInput, ResnapshotProgress, ResnapshotSignal, ResnapshotTarget } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { foldNotifications, notificationKeyId, offsetsBehind, parseNotification, type Notification } from './resnapshot-notifications.js';
import { chunkKeyBound, CURRENT_LSN_SQL, defaultNotificationTopic, fitsSignal, INSERT_SIGNAL_SQL, rangeSoundKey, MAX_SIGNAL_DATA, resnapshotFilter, SIGNAL_SCHEMA, SIGNAL_TABLE, snapshotSignalData, topicPrefix } from './resnapshot-signal.js';

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
  // A repair names keys by text or bucket as the warehouse's verify did: that naming, at the source.
  const naming = input.keyTexts || input.buckets ? await withCdcSides(deps, p, input.region, undefined, (_src, _dst, t) => Promise.resolve(keyNaming(t.source))) : undefined;
  let filter: string | null;
  try {
    filter = resnapshotFilter(p.key, input, label, naming);
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
  const written = await withPg({ label: `source ${server.id} (signal)`, host: server.host, port: server.port, database: server.database, secret: server.signalSecret }, deps.secrets, async (c) => {
    const types = await tableColumns(c, schema, table, label).then(
      (cols) => p.key.map((k) => cols.find((x) => x.name === k)?.type),
      () => [],
    );
    await c.query('BEGIN');
    try {
      // Read before the signal commits: every change committed after the snapshot's first window opened is newer.
      const lsn = (await c.query<{ lsn: string }>(CURRENT_LSN_SQL)).rows[0]!.lsn;
      const sent = ((await c.query(INSERT_SIGNAL_SQL, [input.signalId, data])).rowCount ?? 0) > 0;
      await c.query('COMMIT');
      return { sent, lsn, byRange: rangeSoundKey(types) };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      const code = (err as { code?: string }).code;
      if (code === '42P01' || code === '3F000') throw badInput(`${label}: the signal table ${SIGNAL_SCHEMA}.${SIGNAL_TABLE} does not exist on the server (docs/cdc.md, Resnapshots)`);
      if (code === '42501') throw badInput(`${label}: the role of signalSecret may not insert into ${SIGNAL_SCHEMA}.${SIGNAL_TABLE}`);
      throw err;
    }
  });
  const sent = written.sent;
  // Deletes need the position read before this signal, a filter the warehouse can name (the keys
  // given; verify's repair, by row text or bucket, deletes the keys the source lacks itself), and
  // a warehouse whose side of these deletes is built.
  const scoped = !input.keyTexts && !input.buckets && warehouseResnapshotDeleteBlocker(deps.config.warehouse) === undefined;
  const gapDeletes = sent && scoped ? { belowLsn: written.lsn, keys: input.keys ?? null, byRange: written.byRange } : null;
  // A retried activity whose first try wrote the signal: its notifications may already be out, read them all.
  return { pipeline: p.name, region: input.region, signalId: input.signalId, collection, filter, notificationTopic, from: sent ? from : [], gapDeletes };
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
  // Read after the notifications: the connector wrote the rows they speak of before them.
  const dataEnds = async () => {
    const t: ResnapshotTarget = [];
    for (const e of endpoints) {
      for (const b of await withKafka(deps, e, (k) => ends(k, p.topic))) t.push({ cluster: e.id, cell: e.cell, partition: b.partition, offset: b.end });
    }
    return t;
  };
  if (scan.state !== 'scanned') {
    const chunk = scan.state === 'scanning' && scan.coveredKey !== null && s.gapDeletes?.byRange ? { coveredKey: scan.coveredKey, ends: await dataEnds() } : {};
    return { ...base, ...chunk, state: scan.state, behind: null };
  }
  // Scanned: the data topic's ends now hold its last chunk.
  const t = await dataEnds();
  const behind = await applied(t);
  return { ...base, state: behind === 0 ? 'done' : 'merging', target: t, behind };
}

/**
 * Deletes (or marks) the target's rows the snapshot did not write and no change touched since it
 * was signalled: those older than the position read before the signal, among its keys, up to a
 * chunk's last key (`upTo`, once that chunk's rows are applied) or all of them once it is done
 * (null). Returns how many.
 */
export async function resnapshotGapDeletes(deps: ActivityDeps, p: CdcPipelineConfig, s: ResnapshotSignal, upTo: string | null): Promise<number> {
  const g = s.gapDeletes;
  if (!g) return 0;
  const bound = upTo === null ? undefined : chunkKeyBound(upTo, p.key.length);
  if (bound === null || (bound && !g.byRange)) return 0;
  const scope = { ...(g.keys ? { keys: g.keys } : {}), ...(bound ? { upTo: bound } : {}) };
  return withCdcSides(deps, p, s.region, undefined, async (_src, dst, t) =>
    t.warehouse ? dst.deleteOlderRows(t.warehouse, g.belowLsn, scope, `pipeline ${p.name}, region ${s.region}, source ${t.server.id}, table ${t.warehouse.schema}.${t.warehouse.table}`) : 0,
  );
}

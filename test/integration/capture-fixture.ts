// What the managed-capture tests share: a config whose us source and cell let `apply` manage a
// capture (the connector's login, the owner of the captured tables, the cell's Connect cluster),
// and the removal of whatever a capture left in Connect, at the source and in Kafka.
import pg from 'pg';
import type { ConnectCluster } from '../../activities/managed-cdc/connect-rest.js';
import type { TributaryConfig } from '../../config/schema.js';
import { STACK, connectConfig, stackConfig } from './stack.js';
import { withAdmin } from './topic-fixture.js';

export const CAPTURE_CELL = 'us/cell-1';

/** Sources app (us) and events (us/cell-1 with its Connect cluster), no pipelines; `tableSets` as given. */
export function captureConfig(opts: { tableSets?: unknown[] } = {}): TributaryConfig {
  const cdc = { secret: 'app-us-cdc', passwordRef: '${env:TRIBUTARY_CDC_PASSWORD}', ownerSecret: 'app-us-owner' };
  return stackConfig([], {
    heartbeatTimeoutSeconds: 5,
    sources: {
      app: { type: 'postgres', servers: [{ region: 'us', secret: 'app-us', cdc }] },
      events: { type: 'kafka', clusters: [{ region: 'us', cell: 'cell-1', brokers: [STACK.kafka[CAPTURE_CELL]!], connect: connectConfig('us') }] },
    },
    ...opts,
  });
}

/** The connector, then its slot once the connector has let go of it, its publication, and those of `topics` the cell has. */
export async function removeManagedCapture(rest: ConnectCluster, src: pg.Client | undefined, connector: string, slot: string, topics: string[]): Promise<void> {
  await rest.delete(connector).catch(() => undefined);
  const active = async () => (await src?.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined))?.rows[0]?.active;
  for (let i = 0; i < 240 && (await active()); i++) await new Promise((r) => setTimeout(r, 250));
  await src?.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined);
  await src?.query(`DROP PUBLICATION IF EXISTS ${pg.escapeIdentifier(slot)}`).catch(() => undefined);
  await withAdmin(CAPTURE_CELL, async (a) => {
    const there = new Set(await a.listTopics());
    const mine = topics.filter((t) => there.has(t));
    if (mine.length) await a.deleteTopics({ topics: mine });
  }).catch(() => undefined);
}

// What the CDC heal tests do to a Debezium connector on the us Connect worker: register it so it
// emits truncates, and remove it with its Connect offsets (so it snapshots again when registered)
// and, unless kept, its replication slot: a CDC gap. Its topic stays.
import type pg from 'pg';
import { connectRest, connectorConfig } from '../fixtures/debezium/connect.js';
import { STACK } from './stack.js';

const CONNECT = STACK.connect.us!;

/** The connector of table public.<name> (topic prefix, slot and publication all <name>). */
export function healingConnector(name: string): Record<string, string> {
  return {
    ...connectorConfig('us', name, [`public.${name}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }),
    // Debezium skips truncates unless told otherwise.
    'skipped.operations': 'none',
  };
}

async function waitState(name: string, state: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const st = (await connectRest.get(CONNECT, `/connectors/${name}/status`)) as { connector: { state: string } };
    if (st.connector.state === state) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`connector ${name} did not reach state ${state}`);
}

/** `src`: a superuser connection to the us source. */
export async function removeKeepingTopic(src: pg.Client, name: string, opts: { keepSlot: boolean }): Promise<void> {
  await connectRest.put(CONNECT, `/connectors/${name}/stop`, {});
  await waitState(name, 'STOPPED');
  await connectRest.delete(CONNECT, `/connectors/${name}/offsets`);
  await connectRest.delete(CONNECT, `/connectors/${name}`);
  for (let i = 0; i < 240; i++) {
    const r = await src.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name]);
    if (r.rows.length === 0) throw new Error(`replication slot ${name} is gone`);
    if (!r.rows[0]!.active) {
      if (!opts.keepSlot) await src.query('SELECT pg_drop_replication_slot($1)', [name]);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`replication slot ${name} still active after its connector was deleted`);
}

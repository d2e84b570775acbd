// Source writes that go on while the faults land, one loop per pipeline kind, each with its own
// seeded generator: fact inserts (and a few updates) in transactions that commit late, dimension
// inserts/updates/deletes, JSON messages produced to both us cell clusters, and DML on the
// captured table. A write that fails because a server is down is counted and tried again later:
// the sources themselves are the truth the warehouse is compared with afterwards.
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import pg from 'pg';
import { STACK, connect } from '../test/integration/stack.js';
import { TOPIC_CELLS, type Kind, type Lab } from './lab.js';
import type { Random } from './random.js';
import { setTimeout as sleep } from 'node:timers/promises';

const { escapeIdentifier: ident } = pg;

/** Runs fn in one transaction; a failed write rolls back (the server may be gone already). */
async function inTransaction(c: pg.Client, fn: () => Promise<void>): Promise<void> {
  await c.query('BEGIN');
  try {
    await fn();
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export interface WriteStats {
  /** Transactions (or produce calls) that committed / failed. */
  committed: number;
  failed: number;
  lastError?: string;
}

export interface Writers {
  stats: Record<Kind, WriteStats>;
  /** Stops every loop after its current write and waits for them. */
  stop(): Promise<void>;
}

/** A JSON click; every field follows from (cell, n). */
export function message(cell: string, n: number): string {
  return JSON.stringify({ id: n, name: `${cell}:${n % 97}`, qty: n % 1000, at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString() });
}

export function startWriters(lab: Lab, random: Random, first: { fact: number; dimension: number; cdc: number }, scale: number): Writers {
  let stopping = false;
  const stats = Object.fromEntries((['fact', 'dimension', 'topic', 'cdc'] as Kind[]).map((k) => [k, { committed: 0, failed: 0 }])) as Record<Kind, WriteStats>;
  const batch = Math.max(5, Math.round(50 * scale));

  /** Runs `write` on a connection to source us again and again, reconnecting after a failure. */
  async function pgLoop(kind: Kind, r: Random, pause: [number, number], write: (c: pg.Client) => Promise<void>): Promise<void> {
    let c: pg.Client | undefined;
    while (!stopping) {
      try {
        if (!c) {
          c = await connect(STACK.source.us!);
          // A server killed under an idle connection: the next query fails and reconnects.
          c.on('error', () => undefined);
        }
        await write(c);
        stats[kind].committed++;
      } catch (err) {
        stats[kind].failed++;
        stats[kind].lastError = (err as Error).message;
        await c?.end().catch(() => undefined);
        c = undefined;
        await sleep(1_000);
      }
      await sleep(r.int(...pause));
    }
    await c?.end().catch(() => undefined);
  }

  let nextFact = first.fact + 1;
  const fact = (r: Random) => async (c: pg.Client) => {
    const t = `public.${ident(lab.table.fact)}`;
    const from = nextFact;
    nextFact += batch;
    await inTransaction(c, async () => {
      // updated_at = now() is the transaction's start: committing seconds later is a late commit.
      await c.query(
        `INSERT INTO ${t} (id, customer_id, amount, status, note, updated_at)
         SELECT g, g % 97, (g % 10007) / 100.0, 'new', 'late ' || g, now() FROM generate_series($1::bigint, $1::bigint + $2 - 1) g`,
        [from, batch],
      );
      if (r.next() < 0.4) {
        const ids = Array.from({ length: 5 }, () => r.int(1, from - 1));
        await c.query(`UPDATE ${t} SET status = 'refunded', amount = coalesce(amount, 0) + 1, updated_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
      }
      await sleep(r.int(0, 2_500));
    });
  };

  let nextDim = first.dimension + 1;
  const dimension = (r: Random) => async (c: pg.Client) => {
    const t = `public.${ident(lab.table.dimension)}`;
    const from = nextDim;
    nextDim += batch;
    const pick = () => Array.from({ length: Math.ceil(batch / 2) }, () => r.int(1, from - 1));
    await inTransaction(c, async () => {
      await c.query(`INSERT INTO ${t} SELECT g, 'new ' || g, 'bronze', g % 1000, NULL FROM generate_series($1::int, $1::int + $2 - 1) g`, [from, batch]);
      await c.query(`UPDATE ${t} SET tier = 'platinum', score = score + 1, attrs = jsonb_build_object('changed', $2::int) WHERE id = ANY($1::int[])`, [pick(), from]);
      await c.query(`DELETE FROM ${t} WHERE id = ANY($1::int[])`, [pick().slice(0, Math.ceil(batch / 5))]);
    });
  };

  let nextCdc = first.cdc + 1;
  const cdc = (r: Random) => async (c: pg.Client) => {
    const t = `public.${ident(lab.table.cdc)}`;
    await inTransaction(c, async () => {
      for (let s = r.int(1, 4); s > 0; s--) {
        const x = r.next();
        const existing = r.int(1, nextCdc - 1);
        if (x < 0.4) {
          const n = nextCdc++;
          await c.query(`INSERT INTO ${t} VALUES ($1, $2, $3, $4, now())`, [n, `n${n}`, (r.int(0, 99_999_999) / 1000).toFixed(3), r.int(0, 999)]);
        } else if (x < 0.85) {
          await c.query(`UPDATE ${t} SET name = name || '+', amount = amount + 1, qty = qty + 1, at = now() WHERE id = $1`, [existing]);
        } else {
          await c.query(`DELETE FROM ${t} WHERE id = $1`, [existing]);
        }
      }
    });
  };

  /** Produces batches of messages to one cell cluster; what reached Kafka is read back at the end. */
  async function topicLoop(cell: string, r: Random): Promise<void> {
    let producer: Producer<string, string, string, string> | undefined;
    let n = 0;
    while (!stopping) {
      try {
        // Connects lazily, at the first send; a few retries, then the loop counts a failure.
        producer ??= new Producer({ clientId: 'tributary-chaos', bootstrapBrokers: [STACK.kafka[cell]!], retries: 2, serializers: stringSerializers, acks: ProduceAcks.ALL, autocreateTopics: false });
        const messages = Array.from({ length: batch }, (_, i) => ({ topic: lab.topic, partition: (n + i) % 4, value: message(cell, n + i) }));
        await producer.send({ messages });
        n += batch;
        stats.topic.committed++;
      } catch (err) {
        stats.topic.failed++;
        stats.topic.lastError = `${cell}: ${(err as Error).message}`;
        await producer?.close().catch(() => undefined);
        producer = undefined;
        await sleep(1_000);
      }
      await sleep(r.int(100, 400));
    }
    await producer?.close().catch(() => undefined);
  }

  const loops = [
    // Two fact writers, so a late commit overlaps other commits.
    pgLoop('fact', random.fork(), [50, 300], fact(random.fork())),
    pgLoop('fact', random.fork(), [50, 300], fact(random.fork())),
    pgLoop('dimension', random.fork(), [200, 600], dimension(random.fork())),
    pgLoop('cdc', random.fork(), [20, 150], cdc(random.fork())),
    ...TOPIC_CELLS.map((cell) => topicLoop(cell, random.fork())),
  ];
  return {
    stats,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

// The source server's side of a capture: check its tables and keys, keep Debezium's signal table
// and the capture's publication in step (as the owner, when the server names one; otherwise check
// that the owner did), send signals, and drop the slot and publication when asked to.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { connectPg, type PgTarget } from '../pg/connect.js';
import type { SecretProvider } from '../secrets/provider.js';
import type { RegionCapture } from './captures.js';
import {
  PUBLICATION_FACTS_SQL,
  SIGNAL,
  SIGNAL_FACTS_SQL,
  TABLE_FACTS_SQL,
  dropPublicationStatement,
  isNoop,
  keyProblem,
  planPublication,
  publicationStatements,
  signalTableStatements,
  type PublicationFacts,
  type PublicationPlan,
} from './publication-sql.js';

/** As whom: the owner of the tables (may change the publication), or the connector's own role. */
export function ownerTarget(c: Pick<RegionCapture, 'server' | 'cdc'>): PgTarget | undefined {
  const s = c.server;
  return c.cdc.ownerSecret ? { label: `source ${s.id} (publication owner)`, host: s.host, port: s.port, database: s.database, secret: c.cdc.ownerSecret } : undefined;
}

export function cdcTarget(c: Pick<RegionCapture, 'server' | 'cdc'>): PgTarget {
  const s = c.server;
  return { label: `source ${s.id} (cdc role)`, host: s.host, port: s.port, database: s.database, secret: c.cdc.secret };
}

async function withSession<T>(target: PgTarget, secrets: SecretProvider, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connectPg(target, secrets);
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface SourceResult {
  /** Tables that may be captured ("schema.table"); the others have a problem. */
  usable: string[];
  problems: string[];
  /** What was done (or, in a dry run, would be). */
  actions: string[];
}

const RACE = new Set(['23505', '42P06', '42P07']);

/** Checks the tables and brings the signal table and the publication to the capture's tables. */
export async function syncSource(c: RegionCapture, secrets: SecretProvider, cdcRole: string, dryRun: boolean): Promise<SourceResult> {
  const owner = ownerTarget(c);
  const where = `capture ${c.capture}, region ${c.region}, source ${c.server.id}`;
  return withSession(owner ?? cdcTarget(c), secrets, async (db) => {
    const problems: string[] = [];
    const facts = await db.query<{ schema: string; table: string; present: boolean; is_partition: boolean; primary_key: string[] | null }>(TABLE_FACTS_SQL, [
      c.tables.map((t) => t.schema),
      c.tables.map((t) => t.table),
    ]);
    const usable: string[] = [];
    c.tables.forEach((t, i) => {
      const f = facts.rows[i]!;
      const name = `${t.schema}.${t.table}`;
      const problem = !f.present
        ? `table ${name} does not exist`
        : f.is_partition
          ? `table ${name} is a partition: capture its partitioned parent`
          : keyProblem(name, t.key, f.primary_key);
      if (problem) problems.push(`${where}, pipeline ${t.pipeline}: ${problem}`);
      else usable.push(name);
    });
    const actions: string[] = [];
    const signal = (await db.query<{ present: boolean; writable: boolean }>(SIGNAL_FACTS_SQL, [cdcRole])).rows[0]!;
    if (!signal.writable) {
      const statements = signalTableStatements(cdcRole);
      if (!owner) problems.push(`${where}: the signal table ${SIGNAL} is ${signal.present ? `not readable and writable by ${cdcRole}` : 'missing'}; as the owner run: ${statements.join('; ')}`);
      else {
        actions.push(signal.present ? `grant ${SIGNAL} to ${cdcRole}` : `create ${SIGNAL}`);
        if (!dryRun) await asOwner(db, where, statements);
      }
    }
    const pub = (await db.query<{ all_tables: boolean; publishes_all: boolean; via_root: boolean; tables: string[] }>(PUBLICATION_FACTS_SQL, [c.publication])).rows[0];
    const have: PublicationFacts | undefined = pub && { allTables: pub.all_tables, publishesAll: pub.publishes_all, viaRoot: pub.via_root, tables: pub.tables };
    const plan = planPublication(have, [...usable, SIGNAL].sort());
    if (!isNoop(plan)) {
      const statements = publicationStatements(c.publication, plan);
      if (!owner) problems.push(`${where}: publication ${c.publication} is not as the capture needs it; as the owner run: ${statements.join('; ')}`);
      else {
        actions.push(describePlan(c.publication, plan));
        if (!dryRun) await asOwner(db, where, statements);
      }
    }
    return { usable, problems, actions };
  });
}

function describePlan(name: string, p: PublicationPlan): string {
  if (p.create) return `create publication ${name} (${p.add.join(', ')})`;
  return [p.add.length ? `publication ${name} adds ${p.add.join(', ')}` : '', p.drop.length ? `publication ${name} drops ${p.drop.join(', ')}` : '', p.setOptions ? `publication ${name} publishes every operation` : '']
    .filter(Boolean)
    .join('; ');
}

/** Runs the statements in one transaction; a lost race with another creator (IF NOT EXISTS is not atomic) is tried once more. */
async function asOwner(db: pg.Client, where: string, statements: string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.query('BEGIN');
      for (const s of statements) await db.query(s);
      await db.query('COMMIT');
      return;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      const code = (err as { code?: string }).code;
      if (code && RACE.has(code) && attempt === 0) continue;
      if (code === '42501') throw new Error(`${where}: the publication owner lacks the rights: ${(err as Error).message}`, { cause: err });
      throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Asks the connector for an incremental snapshot of these tables (an id of at most 42 characters). */
export async function requestSnapshot(c: RegionCapture, secrets: SecretProvider, tables: readonly string[]): Promise<string> {
  const id = randomUUID();
  await withSession(cdcTarget(c), secrets, (db) =>
    db.query(`INSERT INTO ${SIGNAL} (id, type, data) VALUES ($1, 'execute-snapshot', $2)`, [id, JSON.stringify({ 'data-collections': tables, type: 'incremental' })]),
  );
  return id;
}

/** Drops the slot once no connector holds it, then the publication when the owner is known. */
export async function dropSlot(c: Pick<RegionCapture, 'server' | 'cdc' | 'slot' | 'publication'>, secrets: SecretProvider, timeoutMs = 60_000): Promise<string[]> {
  const done: string[] = [];
  await withSession(cdcTarget(c), secrets, async (db) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [c.slot]);
      if (r.rows.length === 0) break;
      if (!r.rows[0]!.active) {
        await db.query('SELECT pg_drop_replication_slot($1)', [c.slot]);
        done.push(`slot ${c.slot} dropped`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`source ${c.server.id}: replication slot ${c.slot} is still in use ${timeoutMs / 1000} s after its connector stopped`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  const owner = ownerTarget(c);
  if (owner) {
    await withSession(owner, secrets, (db) => db.query(dropPublicationStatement(c.publication)));
    done.push(`publication ${c.publication} dropped`);
  } else done.push(`publication ${c.publication} kept: no ownerSecret on the server (the owner drops it)`);
  return done;
}

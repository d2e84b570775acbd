// State tables of the PostgreSQL warehouse, created once per process and schema, serialised
// across workers by the state lock; a failed attempt is forgotten so the next call tries again.
import type pg from 'pg';
import { LOCK_SQL } from './merge-sql.js';

/** Runs `statements(schema)` in one transaction under the state lock, the first time a schema asks. */
export function stateOnce(statements: (schema: string) => string[]): (client: pg.Client, schema: string) => Promise<void> {
  const ready = new Map<string, Promise<void>>();
  return (client, schema) => {
    let p = ready.get(schema);
    if (!p) {
      p = (async () => {
        await client.query('BEGIN');
        try {
          await client.query(LOCK_SQL, ['tributary:state']);
          for (const stmt of statements(schema)) await client.query(stmt);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          ready.delete(schema);
          throw err;
        }
      })();
      ready.set(schema, p);
    }
    return p;
  };
}

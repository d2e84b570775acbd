// Which errors a retry cannot fix. A PostgreSQL error carries its SQLSTATE: a data exception, a
// constraint, an unknown type, column or table, a missing privilege or an unsupported feature
// fails the same way every time, so the activity fails at once with a message that names what it
// worked on; lost connections, serialization failures, locks, shutdowns and resource limits are
// retried. A TypeError or a stack overflow in our own code is a bug, which a retry cannot fix
// either. Pure.
import { ApplicationFailure } from '@temporalio/common';

/** SQLSTATE classes of deterministic errors (PostgreSQL, Appendix A). */
const DETERMINISTIC_CLASSES = new Set(['0A', '21', '22', '23', '3F', '42', '44', '54']);

/**
 * Inside those classes, the races of two writers that a retry settles: a unique key taken by a
 * concurrent attempt of the same merge (its retry finds the ledger row), an object or a column
 * created by a concurrent CREATE ... IF NOT EXISTS or ADD COLUMN.
 */
const RACES = new Set(['23505', '42P07', '42710', '42P06', '42723', '42701']);

export function deterministicSqlState(code: string | undefined): boolean {
  if (!code || code.length !== 5) return false;
  return DETERMINISTIC_CLASSES.has(code.slice(0, 2)) && !RACES.has(code);
}

interface PgErrorFields {
  code?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
}

/** The PostgreSQL error at the root of a chain of causes, if any. */
function pgError(err: unknown): (Error & PgErrorFields) | undefined {
  for (let e = err; e instanceof Error; e = e.cause) {
    const code = (e as PgErrorFields).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e;
  }
  return undefined;
}

/**
 * The error an activity should throw: a deterministic PostgreSQL error becomes a non-retryable
 * BadInput naming the pipeline, region, source and table it worked on (`what`) and the field the
 * server names; anything else is returned as it was.
 */
export function classifyError(err: unknown, what: Record<string, string>): unknown {
  if (err instanceof ApplicationFailure) return err;
  const bug = codeBug(err);
  if (bug) {
    return ApplicationFailure.create({
      message: `${describe(what)}: ${bug} [a fault in Tributary's code, not in the input's delivery: a retry fails the same way; not retried. Report it with this message]`,
      type: 'CodeBug',
      nonRetryable: true,
      cause: err as Error,
    });
  }
  const pg = pgError(err);
  if (!pg || !deterministicSqlState(pg.code)) return err;
  const outer = (err as Error).message;
  const named = outer.startsWith('pipeline ') ? outer : `${describe(what)}: ${outer}`;
  const fields = [pg.table && `table ${pg.table}`, pg.column && `column ${pg.column}`, pg.dataType && `type ${pg.dataType}`, pg.constraint && `constraint ${pg.constraint}`].filter(Boolean);
  const detail = fields.length ? ` (${fields.join(', ')})` : '';
  return ApplicationFailure.create({
    message: `${named}${detail} [SQLSTATE ${pg.code}: the same input fails the same way; not retried]`,
    type: 'BadInput',
    nonRetryable: true,
    cause: err as Error,
  });
}

/** Node errors that only a fault in code raises: the same input raises them again on every retry. */
const BUG_ERRORS = new Set(['TypeError', 'ReferenceError', 'RangeError']);

/**
 * A stack overflow anywhere (input nested deeper than some code can walk), or a TypeError,
 * ReferenceError or RangeError thrown by our own code (its first frame is a project file, not a
 * library's or Node's: undici's "fetch failed" is a TypeError of the network, and stays retried):
 * the error's text with the frame, or undefined.
 */
export function codeBug(err: unknown): string | undefined {
  if (!(err instanceof Error) || !BUG_ERRORS.has(err.name)) return undefined;
  if (err.name === 'RangeError' && /maximum call stack size exceeded/i.test(err.message)) return `${err.name}: ${err.message}`;
  const frame = err.stack?.split('\n').find((l) => /^\s+at /.test(l))?.trim();
  if (!frame || /node_modules|node:|\(native\)|<anonymous>/.test(frame)) return undefined;
  return `${err.name}: ${err.message} (${frame.replace(/^at /, '').replace(/^.*?\(?((?:[^/()\s]+\/){0,2}[^/()\s]+:\d+:\d+)\)?$/, '$1')})`;
}

function describe(what: Record<string, string>): string {
  return (['pipeline', 'region', 'source', 'cell', 'stream'] as const)
    .filter((k) => what[k])
    .map((k) => `${k === 'stream' ? 'table' : k} ${what[k]}`)
    .join(', ');
}

/** SQLSTATEs a moment later may not raise: connection (08), rollback races (40), resources (53), lock not available, shutdown and cancel (57), system (58). */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;

/** Socket errors of a server going away or not yet back; an unknown host (ENOTFOUND) is a config error and is not among them. */
const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'PLT_KFK_NETWORK']);

/** node-postgres's own texts for a session the server closed (they carry no code). */
const PG_CLOSED = /^Connection terminated|^timeout expired$/;

/**
 * Would the same call likely succeed in a few seconds: a refused or lost connection, a server
 * shutting down or starting up, a serialization race? Conservative: anything not known to be
 * transient (bad input, a privilege, an unknown host, a bug) is not.
 */
export function transientError(err: unknown): boolean {
  if (err instanceof ApplicationFailure || codeBug(err)) return false;
  const seen = new Set<unknown>();
  const walk = (e: unknown): boolean => {
    if (!(e instanceof Error) || seen.has(e)) return false;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.test(code);
      if (TRANSIENT_ERRNO.has(code)) return true;
    }
    if (PG_CLOSED.test(e.message)) return true;
    if (e instanceof AggregateError && e.errors.length > 0 && e.errors.every(walk)) return true;
    return walk(e.cause);
  };
  return walk(err);
}

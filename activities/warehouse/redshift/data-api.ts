// Runs SQL through the Redshift Data API: submit, poll DescribeStatement with backoff, read
// results. A merge batch is named after its batch id and its statement id is reported through
// `heartbeat`, so a retried activity resumes polling the running statement instead of loading
// the batch twice. Retries only what can succeed later: throttling, too many active statements,
// a serializable isolation violation (the whole batch is resubmitted); never a ValidationException.
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  ListStatementsCommand,
  type DescribeStatementResponse,
  type Field,
  type RedshiftDataClient,
  type SqlParameter,
  type StatusString,
} from '@aws-sdk/client-redshift-data';
import { ApplicationFailure } from '@temporalio/common';

/** Where statements run and as whom: a Serverless workgroup, or a cluster with a database user or a secret. */
export interface RedshiftTarget {
  database: string;
  workgroup?: string;
  clusterIdentifier?: string;
  dbUser?: string;
  secretArn?: string;
}

export function targetParams(t: RedshiftTarget) {
  return {
    Database: t.database,
    ...(t.workgroup ? { WorkgroupName: t.workgroup } : { ClusterIdentifier: t.clusterIdentifier }),
    ...(t.dbUser ? { DbUser: t.dbUser } : {}),
    ...(t.secretArn ? { SecretArn: t.secretArn } : {}),
  };
}

/** Names a workgroup or cluster, for limits and messages. */
export function targetId(t: RedshiftTarget): string {
  return t.workgroup ? `workgroup/${t.workgroup}` : `cluster/${t.clusterIdentifier}`;
}

/** What a retried activity needs to resume: the statement in flight and which submission it is. */
export interface StatementRef {
  statementId: string;
  submission: number;
}

export interface PollOptions {
  initialMs: number;
  maxMs: number;
  /** Resubmissions of a batch aborted by a serializable isolation violation or a throttle. */
  maxSubmissions: number;
  /** Consecutive failed DescribeStatement calls tolerated (one throttled poll must not end the wait). */
  maxPollErrors: number;
}

export const DEFAULT_POLL: PollOptions = { initialMs: 250, maxMs: 5_000, maxSubmissions: 5, maxPollErrors: 8 };

const ACTIVE: StatusString[] = ['SUBMITTED', 'PICKED', 'STARTED'];
/** Errors at submit or poll time that a later attempt can get past. */
const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  'ActiveWaitingRequestsExceededException',
  'InternalServerException',
  'DatabaseConnectionException',
  'ExecuteStatementException',
  'BatchExecuteStatementException',
  'QueryTimeoutException',
]);
const SERIALIZABLE = /serializable isolation violation|\b1023\b/i;

export function isRetryableError(err: unknown): boolean {
  const name = (err as { name?: string }).name ?? '';
  return RETRYABLE_ERRORS.has(name) || (err as { $retryable?: unknown }).$retryable !== undefined;
}

export function isSerializableViolation(error: string | undefined): boolean {
  return SERIALIZABLE.test(error ?? '');
}

/** A statement that ended FAILED (or ABORTED): the error and which statement of the batch failed. */
export class StatementFailed extends Error {
  constructor(
    readonly statement: DescribeStatementResponse,
    /** 0-based index of the failed statement in the batch; -1 when unknown. */
    readonly failedIndex: number,
  ) {
    super(`Redshift statement ${statement.Id} ${statement.Status}: ${statement.Error ?? 'no error text'}`);
    this.name = 'StatementFailed';
  }
}

function nonRetryable(err: unknown, what: string): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${what}: the Redshift Data API refused the request (${(err as Error).name}: ${(err as Error).message}); retrying cannot help`,
    type: 'RedshiftValidation',
    nonRetryable: true,
  });
}

export class DataApi {
  constructor(
    private readonly client: RedshiftDataClient,
    readonly target: RedshiftTarget,
    private readonly poll: PollOptions = DEFAULT_POLL,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** One statement with named parameters; rows as objects of column name -> value. */
  async query(sql: string, params: Record<string, string> = {}, what = 'query'): Promise<Record<string, unknown>[]> {
    const Parameters = toParameters(params);
    const id = await this.submit(what, () =>
      this.client.send(new ExecuteStatementCommand({ ...targetParams(this.target), Sql: sql, ...(Parameters.length ? { Parameters } : {}) })),
    );
    const d = await this.wait(id, () => undefined);
    if (d.Status !== 'FINISHED') throw new StatementFailed(d, 0);
    return d.HasResultSet ? this.rows(id) : [];
  }

  /** One statement without a result set; how many rows it changed. */
  async execute(sql: string, params: Record<string, string> = {}, what = 'statement'): Promise<number> {
    const Parameters = toParameters(params);
    const id = await this.submit(what, () =>
      this.client.send(new ExecuteStatementCommand({ ...targetParams(this.target), Sql: sql, ...(Parameters.length ? { Parameters } : {}) })),
    );
    const d = await this.wait(id, () => undefined);
    if (d.Status !== 'FINISHED') throw new StatementFailed(d, 0);
    return Math.max(0, d.ResultRows ?? 0);
  }

  /** Rows of a finished statement (or batch sub-statement "<id>:<n>", 1-based), all pages. */
  async rows(id: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new GetStatementResultCommand({ Id: id, NextToken: token }));
      const names = (res.ColumnMetadata ?? []).map((c) => c.name ?? c.label ?? '?');
      for (const rec of res.Records ?? []) out.push(Object.fromEntries(rec.map((f, i): [string, unknown] => [names[i] ?? `${i}`, fieldValue(f)])));
      token = res.NextToken;
    } while (token);
    return out;
  }

  /**
   * Runs `sqls` as one transaction, resuming `resume` if given (or a running statement of the same
   * name), and returns the finished description. `heartbeat` gets the statement in flight.
   */
  async batch(
    sqls: string[],
    params: SqlParameter[],
    name: string,
    hooks: { resume?: StatementRef; heartbeat(ref: StatementRef): void; beforeSubmit?(): Promise<void> },
  ): Promise<DescribeStatementResponse> {
    let ref = hooks.resume ?? (await this.findRunning(name));
    let submission = ref?.submission ?? 0;
    // A statement from an earlier attempt that ended badly is that attempt's failure, already
    // reported: this attempt submits again (the ledger makes that safe) and reports its own.
    let inherited = ref !== undefined;
    for (;;) {
      if (!ref) {
        inherited = false;
        await hooks.beforeSubmit?.();
        const id = await this.submit(name, () =>
          this.client.send(
            new BatchExecuteStatementCommand({ ...targetParams(this.target), Sqls: sqls, StatementName: name, ...(params.length ? { Parameters: params } : {}) }),
          ),
        );
        ref = { statementId: id, submission };
      }
      const current = ref;
      hooks.heartbeat(current);
      let d: DescribeStatementResponse;
      try {
        d = await this.wait(current.statementId, () => hooks.heartbeat(current));
      } catch (err) {
        // A resumed id the Data API no longer knows (results are kept 24 h): submit again, the ledger guards it.
        if ((err as Error).name === 'ResourceNotFoundException' && inherited) {
          ref = undefined;
          continue;
        }
        throw err;
      }
      if (d.Status === 'FINISHED') return d;
      if (inherited) {
        submission++;
        ref = undefined;
        continue;
      }
      const failedIndex = (d.SubStatements ?? []).findIndex((s) => s.Status === 'FAILED');
      if (d.Status === 'FAILED' && isSerializableViolation(d.Error) && submission + 1 < this.poll.maxSubmissions) {
        submission++;
        ref = undefined;
        await this.sleep(backoff(this.poll, submission));
        continue;
      }
      throw new StatementFailed(d, failedIndex);
    }
  }

  /** Our merges in flight on this workgroup or cluster, by every worker sharing the IAM role. */
  async activeStatements(namePrefix: string): Promise<number> {
    let n = 0;
    for (const Status of ACTIVE) {
      let token: string | undefined;
      do {
        const res = await this.client.send(
          new ListStatementsCommand({
            StatementName: namePrefix,
            Status,
            RoleLevel: true,
            NextToken: token,
            MaxResults: 100,
            ...(this.target.workgroup ? { WorkgroupName: this.target.workgroup } : { ClusterIdentifier: this.target.clusterIdentifier }),
          }),
        );
        n += (res.Statements ?? []).filter((s) => s.StatementName?.startsWith(namePrefix)).length;
        token = res.NextToken;
      } while (token);
    }
    return n;
  }

  /** A statement of exactly this name still running (the heartbeat that named it was lost). */
  private async findRunning(name: string): Promise<StatementRef | undefined> {
    for (const Status of ACTIVE) {
      const res = await this.client.send(
        new ListStatementsCommand({
          StatementName: name,
          Status,
          RoleLevel: true,
          ...(this.target.workgroup ? { WorkgroupName: this.target.workgroup } : { ClusterIdentifier: this.target.clusterIdentifier }),
        }),
      );
      const hit = (res.Statements ?? []).find((s) => s.StatementName === name && s.Id);
      if (hit) return { statementId: hit.Id!, submission: 0 };
    }
    return undefined;
  }

  private async submit(what: string, send: () => Promise<{ Id?: string }>): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await send();
        if (!res.Id) throw new Error(`${what}: the Data API returned no statement id`);
        return res.Id;
      } catch (err) {
        if ((err as Error).name === 'ValidationException') throw nonRetryable(err, what);
        if (!isRetryableError(err) || attempt >= this.poll.maxSubmissions) throw err;
        await this.sleep(backoff(this.poll, attempt));
      }
    }
  }

  /** Polls until the statement ends, with backoff; tolerates a few failed polls in a row. */
  private async wait(id: string, onPoll: () => void): Promise<DescribeStatementResponse> {
    let errors = 0;
    for (let poll = 0; ; poll++) {
      let d: DescribeStatementResponse;
      try {
        d = await this.client.send(new DescribeStatementCommand({ Id: id }));
        errors = 0;
      } catch (err) {
        if (!isRetryableError(err) || ++errors >= this.poll.maxPollErrors) throw err;
        await this.sleep(backoff(this.poll, poll));
        continue;
      }
      if (d.Status === 'FINISHED' || d.Status === 'FAILED' || d.Status === 'ABORTED') return d;
      onPoll();
      await this.sleep(backoff(this.poll, poll));
    }
  }
}

/** Exponential, capped, with jitter so many workers do not poll in step. */
export function backoff(p: PollOptions, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(p.maxMs, p.initialMs * 1.6 ** attempt);
  return Math.round(base / 2 + (random() * base) / 2);
}

function fieldValue(f: Field): unknown {
  if (f.isNull) return null;
  if (f.stringValue !== undefined) return f.stringValue;
  if (f.longValue !== undefined) return f.longValue;
  if (f.doubleValue !== undefined) return f.doubleValue;
  if (f.booleanValue !== undefined) return f.booleanValue;
  return null;
}

export function toParameters(params: Record<string, string>): SqlParameter[] {
  return Object.entries(params).map(([name, value]) => ({ name, value }));
}

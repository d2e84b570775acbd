// The worker's logs: one JSON object per line (pino) on stdout, carrying pipeline, region and
// workflow ids. Temporal's Runtime logger (SDK, core, workflow and activity logs) is adapted onto
// it. Redaction happens twice: pino masks fields with secret names, and every finished line is
// scrubbed of the values the secret providers handed out and of credential-looking text.
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { REDACTED, secretRedactor, type SecretRedactor } from '../activities/secrets/redact.js';

const SECRET_FIELDS = ['password', 'passwd', 'pwd', 'secretString', 'SecretString', 'secretAccessKey', 'token', 'connectionString', 'sasl'];
/** Field paths pino masks before serialising (two levels of nesting; deeper ones are scrubbed as text). */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

/** A destination that scrubs each serialised line before writing it. */
export function scrubbing(dest: DestinationStream, redactor: SecretRedactor = secretRedactor): DestinationStream {
  return { write: (line: string) => dest.write(redactor.scrub(line)) };
}

export interface LoggerOptions {
  /** trace | debug | info | warn | error; TRIBUTARY_LOG_LEVEL or info by default. */
  level?: string;
  /** Where lines go; stdout by default (synchronously, so nothing is lost when the process exits). */
  destination?: DestinationStream;
  /** Fields on every line, e.g. the worker's region. */
  bindings?: Record<string, unknown>;
  redactor?: SecretRedactor;
}

export function createLogger(opts: LoggerOptions = {}): Pino {
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: (opts.level ?? process.env.TRIBUTARY_LOG_LEVEL ?? 'info').toLowerCase(),
      base: { pid: process.pid, ...opts.bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    scrubbing(destination, opts.redactor),
  );
}

const LEVELS: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Temporal's Logger on top of pino: the SDK's own messages, core logs (when forwarded), and
 * `log` from workflows and activities, whose metadata (workflowId, runId, activityType,
 * taskQueue, and pipeline/region/source from the activity interceptor) become fields.
 */
export class TemporalPinoLogger implements TemporalLogger {
  constructor(readonly pino: Pino) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // Symbol keys (the SDK's timestamp marker) are not fields.
    const fields: Record<string, unknown> = {};
    if (meta) for (const [k, v] of Object.entries(meta)) fields[k] = v;
    this.pino[LEVELS[level] ?? 'info'](fields, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

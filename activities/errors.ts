// Bad input (config, schema or data) cannot be fixed by retrying: the run fails at once with a
// message that names the pipeline, source and column, and the next scheduled run tries again.
import { ApplicationFailure } from '@temporalio/common';

export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'BadInput', nonRetryable: true });
}

/** A source that could not be planned, as the plan reports it: the message names pipeline and source. */
export function sourceFailure(pipeline: string, source: string, err: unknown): { source: string; message: string; badInput: boolean } {
  const message = err instanceof Error ? err.message : String(err);
  const named = message.startsWith('pipeline ')
    ? message
    : message.startsWith(`source ${source}: `)
      ? `pipeline ${pipeline}, ${message}`
      : `pipeline ${pipeline}, source ${source}: ${message}`;
  return { source, message: named, badInput: err instanceof ApplicationFailure && err.type === 'BadInput' };
}

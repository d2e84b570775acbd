// Bad input (config, schema or data) cannot be fixed by retrying: the run fails at once with a
// message that names the pipeline, source and column, and the next scheduled run tries again.
import { ApplicationFailure } from '@temporalio/common';

export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'BadInput', nonRetryable: true });
}

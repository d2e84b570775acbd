// Every activity of a worker: its log lines carry the pipeline, region, source and cell it works
// on (taken from its input, whatever its shape), and an error it throws is scrubbed of secrets
// before Temporal writes it into workflow history.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { secretRedactor, type SecretRedactor } from '../activities/secrets/redact.js';
import { logAttributes } from '../workflows/log-attributes.js';

export { logAttributes };

export function activityInterceptors(redactor: SecretRedactor = secretRedactor): ActivityInterceptorsFactory {
  return () => {
    let attributes: Record<string, string> = {};
    return {
      inbound: {
        async execute(input, next) {
          attributes = logAttributes(input.args[0]);
          try {
            return await next(input);
          } catch (err) {
            throw redactor.scrubError(err);
          }
        },
      },
      outbound: {
        getLogAttributes: (input, next) => next({ ...attributes, ...input }),
      },
    };
  };
}

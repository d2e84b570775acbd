// Every activity of a worker: its log lines carry the pipeline, region, source and cell it works
// on (taken from its input, whatever its shape); an error it throws that no retry can fix (a
// deterministic PostgreSQL error) fails at once, and every error and every result is scrubbed of
// secrets before Temporal writes it into workflow history.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { secretRedactor, type SecretRedactor } from '../activities/secrets/redact.js';
import { logAttributes } from '../workflows/log-attributes.js';
import { classifyError } from '../activities/error-class.js';

export { logAttributes };

export function activityInterceptors(redactor: SecretRedactor = secretRedactor): ActivityInterceptorsFactory {
  return () => {
    let attributes: Record<string, string> = {};
    return {
      inbound: {
        async execute(input, next) {
          attributes = logAttributes(input.args[0]);
          try {
            // Results are recorded in history too: a planning failure travels as a result's text.
            return redactor.scrubData(await next(input));
          } catch (err) {
            throw redactor.scrubError(classifyError(err, { ...attributes, ...streamOf(input.args[0]) }));
          }
        },
      },
      outbound: {
        getLogAttributes: (input, next) => next({ ...attributes, ...input }),
      },
    };
  };
}

/** The source table an activity works on (a unit's, or a staged batch's unit's), to name it in errors. */
function streamOf(arg: unknown): Record<string, string> {
  if (!arg || typeof arg !== 'object') return {};
  const unit = (arg as { unit?: { stream?: unknown } }).unit ?? arg;
  const stream = (unit as { stream?: unknown }).stream;
  return typeof stream === 'string' ? { stream } : {};
}

// Every activity of a worker: its log lines carry the pipeline, region, source and cell it works
// on (taken from its input, whatever its shape), and an error it throws is scrubbed of secrets
// before Temporal writes it into workflow history.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { secretRedactor, type SecretRedactor } from '../activities/secrets/redact.js';

const FIELDS = ['pipeline', 'region', 'source', 'cell'] as const;

/** pipeline/region/source/cell from an activity's first argument or its `unit` (a staged batch). */
export function logAttributes(arg: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!arg || typeof arg !== 'object') return out;
  const unit = (arg as { unit?: unknown }).unit;
  for (const from of [unit, arg]) {
    if (!from || typeof from !== 'object') continue;
    for (const f of FIELDS) {
      const v = (from as Record<string, unknown>)[f];
      if (typeof v === 'string' && !(f in out)) out[f] = v;
    }
  }
  return out;
}

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

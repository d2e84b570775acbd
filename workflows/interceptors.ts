// Workflow interceptors the worker registers (bundled with the workflow code): every `log` line a
// workflow writes carries the pipeline and region (and source, when the run has one) of its input.
// Taken when the workflow function starts, so they hold on replay too; the SDK's "Workflow
// started" line comes before that and carries only the workflow ids.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { logAttributes } from './log-attributes.js';

export const interceptors: WorkflowInterceptorsFactory = () => {
  let attributes: Record<string, string> = {};
  return {
    inbound: [
      {
        execute(input, next) {
          attributes = logAttributes(input.args[0]);
          return next(input);
        },
      },
    ],
    outbound: [
      {
        getLogAttributes: (input, next) => next({ ...attributes, ...input }),
      },
    ],
  };
};

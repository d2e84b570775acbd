// How the CLI and the demo end: the exit code and what is printed for an error.
// 0 ok, 1 the operation failed, 2 bad usage or bad config (nothing was done).
import { ConfigError } from '../config/load.js';
import { UsageError } from './output.js';

/**
 * Exits with the code `main` resolves to, or with the code for the error it throws: a bad config
 * prints its problems (2); bad usage prints the message and `usage()` (2); anything else prints
 * its message and its innermost cause (1).
 */
export function exitWith(main: Promise<number>, usage: () => string): void {
  main.then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ConfigError) {
        console.error(err.message);
        process.exit(2);
      }
      if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        console.error(`tributary: ${(err as Error).message}\n\n${usage()}`);
        process.exit(2);
      }
      // A failed run's message is "Workflow execution failed": the innermost cause says what broke.
      let cause: unknown = err;
      while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
      const detail = cause !== err && cause instanceof Error ? `: ${cause.message}` : '';
      console.error(`tributary: ${err instanceof Error ? err.message : String(err)}${detail}`);
      process.exit(1);
    },
  );
}

// The message a person needs of a failure: the innermost cause's (workflow -> activity failure ->
// application failure), not "Activity task failed". Pure, bundle-safe for workflows.

export function rootMessage(err: unknown): string {
  let e = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

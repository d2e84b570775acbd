// Following a workflow to its end on stderr: one progress line per poll, written when it changes.
import { endProgress, progress } from './output.js';

const POLL_MS = 2_000;

/** Until `done` settles, polls `line` (at once, then every poll) and shows it when it changes. */
export async function follow(done: Promise<unknown>, line: () => Promise<string>): Promise<void> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  let last = '';
  while (!finished) {
    const next = await line();
    if (next !== last) progress((last = next));
    await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, POLL_MS))]);
  }
  if (last) endProgress();
}

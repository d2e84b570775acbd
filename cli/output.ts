// Tables for people, JSON for scripts.
import type { SyncResult } from '../activities/types.js';

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (typeof rows[0]?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function printResults(results: SyncResult[], json: boolean): void {
  if (json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(
    table(
      ['pipeline', 'region', 'units', 'staged', 'inserted', 'updated', 'unchanged', 'seconds', 'range up to'],
      results.map((r) => [r.pipeline, r.region, r.units, r.rowsStaged, r.inserted, r.updated, r.unchanged, Number((r.durationMs / 1000).toFixed(1)), r.ranges.map((x) => x.to).join(', ') || '(nothing new)']),
    ),
  );
}

/** Bad usage or input on the command line: exit code 2, with what to do instead. */
export class UsageError extends Error {}

/** A progress line for people, on stderr (stdout stays for the result, and for --json). */
export function progress(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
  else process.stderr.write(`${line}\n`);
}

export function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}

// What a suite run found, as JSON (chaos/results/latest.json) and as a markdown summary
// (latest.md): per case and in total the faults injected by kind, rows compared, lost and
// duplicated. Pure: no I/O here.
import { equal, type Comparison } from './compare.js';
import type { Kind } from './lab.js';
import type { RunStats } from './runs.js';
import type { WriteStats } from './writers.js';

export interface CaseResult {
  name: string;
  description: string;
  /** Faults injected, by kind of fault ("worker SIGKILL", "kafka us-cell-2 restart", ...). */
  faults: Record<string, number>;
  /** For worker kills: how many kills hit a run of each pipeline kind with an activity in flight. */
  hitsByPipelineKind?: Partial<Record<Kind, number>>;
  comparisons: Comparison[];
  runs: Record<Kind, RunStats>;
  writes: Record<Kind, WriteStats>;
  /** Anything that makes the case fail besides the comparisons (a run that failed, a step that timed out). */
  failures: string[];
  notes: string[];
  seconds: number;
  /** Per-fault detail (when, what was in flight). */
  detail: unknown[];
}

export interface Totals {
  cases: number;
  casesFailed: number;
  faults: Record<string, number>;
  rowsCompared: number;
  rowsLost: number;
  rowsDuplicated: number;
  rowsExtraOrChanged: number;
}

export interface Summary {
  seed: number;
  scale: number;
  startedAt: string;
  seconds: number;
  machine: string;
  cases: CaseResult[];
  totals: Totals;
  ok: boolean;
}

export const caseOk = (c: CaseResult): boolean =>
  c.failures.length === 0 && c.comparisons.length > 0 && c.comparisons.every(equal) && Object.values(c.runs).every((r) => r.failed === 0);

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function totals(cases: CaseResult[]): Totals {
  const faults: Record<string, number> = {};
  for (const c of cases) for (const [k, n] of Object.entries(c.faults)) faults[k] = (faults[k] ?? 0) + n;
  const all = cases.flatMap((c) => c.comparisons);
  return {
    cases: cases.length,
    casesFailed: cases.filter((c) => !caseOk(c)).length,
    faults,
    rowsCompared: sum(all.map((c) => c.sourceRows)),
    rowsLost: sum(all.map((c) => c.lost)),
    rowsDuplicated: sum(all.map((c) => c.duplicated)),
    rowsExtraOrChanged: sum(all.map((c) => c.extra + c.changed)),
  };
}

export function summarize(meta: Omit<Summary, 'totals' | 'ok'>): Summary {
  const t = totals(meta.cases);
  return { ...meta, totals: t, ok: t.casesFailed === 0 && t.rowsLost === 0 && t.rowsDuplicated === 0 && t.rowsExtraOrChanged === 0 };
}

const faultText = (f: Record<string, number>) =>
  Object.entries(f)
    .map(([k, n]) => `${n} x ${k}`)
    .join(', ') || 'none';

export function markdown(s: Summary): string {
  const lines = [
    `# Fault suite: latest result`,
    '',
    `\`make chaos\` on ${s.machine}, ${s.startedAt}, seed ${s.seed}, scale ${s.scale}, ${Math.round(s.seconds)} s. ` +
      `**${s.ok ? 'PASS' : 'FAIL'}**: ${s.totals.cases} cases (${s.totals.casesFailed} failed), ${s.totals.rowsCompared} rows compared, ` +
      `${s.totals.rowsLost} lost, ${s.totals.rowsDuplicated} duplicated.`,
    '',
    `Faults injected: ${faultText(s.totals.faults)}.`,
    '',
    '| case | faults | rows compared | lost | duplicated | extra / changed | runs completed | runs failed | result |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const c of s.cases) {
    const cmp = c.comparisons;
    const runs = Object.values(c.runs);
    lines.push(
      `| ${c.name} | ${faultText(c.faults)} | ${sum(cmp.map((x) => x.sourceRows))} | ${sum(cmp.map((x) => x.lost))} | ${sum(cmp.map((x) => x.duplicated))} | ` +
        `${sum(cmp.map((x) => x.extra + x.changed))} | ${sum(runs.map((r) => r.completed))} | ${sum(runs.map((r) => r.failed))} | ${caseOk(c) ? 'pass' : 'FAIL'} |`,
    );
  }
  for (const c of s.cases) {
    lines.push('', `## ${c.name}`, '', c.description, '');
    if (c.hitsByPipelineKind) {
      lines.push(`Kills that hit an activity in flight, per pipeline kind: ${Object.entries(c.hitsByPipelineKind).map(([k, n]) => `${k} ${n}`).join(', ')}.`, '');
    }
    lines.push('| pipeline | source rows | warehouse rows | checksum | lost | duplicated | extra | changed | runs ok / failed | source writes ok / failed |');
    lines.push('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |');
    for (const x of c.comparisons) {
      const r = c.runs[x.kind];
      const w = c.writes[x.kind];
      lines.push(
        `| ${x.kind} | ${x.sourceRows} | ${x.warehouseRows} | ${x.checksumEqual ? 'equal' : 'DIFFERS'} | ${x.lost} | ${x.duplicated} | ${x.extra} | ${x.changed} | ` +
          `${r.completed} / ${r.failed} | ${w.committed} / ${w.failed} |`,
      );
    }
    const problems = [
      ...c.failures.map((f) => `- FAILURE: ${f}`),
      ...(Object.keys(c.runs) as Kind[]).flatMap((kind) => c.runs[kind].errors.map((e) => `- failed run (${kind}): ${e}`)),
    ];
    if (problems.length > 0) lines.push('', ...problems);
    if (c.notes.length > 0) lines.push('', ...c.notes.map((n) => `- ${n}`));
  }
  return `${lines.join('\n')}\n`;
}

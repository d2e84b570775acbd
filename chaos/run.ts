// The fault suite (`make chaos`): runs the cases against the local stack and writes
// chaos/results/latest.json and latest.md. Exit code 1 if any row was lost or duplicated or a
// case failed. Not part of `make test`.
//   CHAOS_SEED   the seed of every random choice (kill moments, writes); default 20261128
//   CHAOS_SCALE  data sizes and the number of kills (50 x scale, at least 4); default 1.
//                A run below scale 1, or of some cases only, prints its summary and keeps the
//                committed result.
//   CHAOS_CASES  comma-separated case names (worker-sigkill, service-restarts, connector-gap); default all
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCase } from './case-env.js';
import { CONNECTOR_GAP, connectorGap } from './cases/connector-gap.js';
import { SERVICE_RESTARTS, serviceRestarts } from './cases/service-restarts.js';
import { WORKER_KILLS, workerKills } from './cases/worker-kills.js';
import { seeded } from './random.js';
import { markdown, summarize, type CaseResult } from './report.js';
import { bundleWorkflows, workDir } from './worker.js';

const seed = Number(process.env.CHAOS_SEED ?? 20261128);
const scale = Number(process.env.CHAOS_SCALE ?? 1);
const ALL = [WORKER_KILLS.name, SERVICE_RESTARTS.name, CONNECTOR_GAP.name];
const wanted = (process.env.CHAOS_CASES ?? ALL.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const unknown = wanted.filter((c) => !ALL.includes(c));
if (!Number.isInteger(seed) || !(scale > 0) || unknown.length > 0 || wanted.length === 0) {
  console.error(`chaos: CHAOS_SEED must be an integer, CHAOS_SCALE a positive number, CHAOS_CASES some of ${ALL.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  process.exit(2);
}

const started = new Date();
const dir = workDir();
console.error(`[chaos] seed ${seed}, scale ${scale}, cases ${wanted.join(', ')}; worker logs in ${dir}`);
const bundle = await bundleWorkflows(dir);
const random = seeded(seed);
const cases: CaseResult[] = [];
// Each case gets its own generator, so running one case alone replays it as in the full suite.
const caseRandom = { [WORKER_KILLS.name]: random.fork(), [SERVICE_RESTARTS.name]: random.fork(), [CONNECTOR_GAP.name]: random.fork() };
if (wanted.includes(WORKER_KILLS.name)) {
  const kills = Math.max(4, Math.round(50 * scale));
  cases.push(await runCase({ ...WORKER_KILLS, random: caseRandom[WORKER_KILLS.name]!, scale, bundle, dir }, workerKills(kills)));
}
if (wanted.includes(SERVICE_RESTARTS.name)) {
  cases.push(await runCase({ ...SERVICE_RESTARTS, random: caseRandom[SERVICE_RESTARTS.name]!, scale, bundle, dir }, serviceRestarts));
}
if (wanted.includes(CONNECTOR_GAP.name)) {
  cases.push(await runCase({ ...CONNECTOR_GAP, random: caseRandom[CONNECTOR_GAP.name]!, scale, bundle, dir }, connectorGap));
}

const summary = summarize({
  seed,
  scale,
  startedAt: started.toISOString(),
  seconds: (Date.now() - started.getTime()) / 1000,
  machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB`,
  cases,
});
const md = markdown(summary);
const full = scale >= 1 && ALL.every((c) => wanted.includes(c));
if (full) {
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(out, 'latest.md'), md);
  console.error('[chaos] wrote chaos/results/latest.json and latest.md');
} else {
  console.error('[chaos] a partial run (scale below 1 or some cases only): chaos/results/ left as it was');
}
console.log(md);
process.exit(summary.ok ? 0 : 1);

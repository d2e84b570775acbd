// The alert rules under promtool (built by infra/local/install.sh from the Prometheus module, in
// the cache): the rules file is valid, and every alert's unit tests in
// infra/prometheus/rules.test.yml pass. Without promtool this fails, naming how to build it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = /^PROMETHEUS_VERSION=(\S+)$/m.exec(readFileSync(join(root, 'infra/local/versions.env'), 'utf8'))?.[1];
const promtool = join(process.env.TRIBUTARY_CACHE ?? join(homedir(), '.cache/tributary'), 'bin', `promtool-${version}`);

function run(args: string[]): { status: number | null; out: string } {
  if (!existsSync(promtool)) throw new Error(`${promtool} is missing: bash infra/local/install.sh builds it (go install from the Prometheus module)`);
  const r = spawnSync(promtool, args, { cwd: root, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('the alert rules', () => {
  it('are valid rules (promtool check rules)', () => {
    const r = run(['check', 'rules', 'infra/prometheus/rules.yml']);
    expect(r.out).toMatch(/SUCCESS: 9 rules found/);
    expect(r.status).toBe(0);
  });

  it('pass their unit tests (promtool test rules), and every alert has one', () => {
    const r = run(['test', 'rules', 'infra/prometheus/rules.test.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.status, r.out).toBe(0);
    const alerts = (parse(readFileSync(join(root, 'infra/prometheus/rules.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules.map((x) => x.alert));
    const tested = new Set(
      (parse(readFileSync(join(root, 'infra/prometheus/rules.test.yml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests.flatMap((t) =>
        t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    expect(alerts.filter((a) => !tested.has(a)), 'alerts without a test that makes them fire').toEqual([]);
  });

  it('every alert links to its entry in docs/observability.md', () => {
    const docs = readFileSync(join(root, 'docs/observability.md'), 'utf8');
    const rules = (parse(readFileSync(join(root, 'infra/prometheus/rules.yml'), 'utf8')) as { groups: { rules: { alert: string; annotations: { runbook: string } }[] }[] }).groups.flatMap((g) => g.rules);
    for (const rule of rules) {
      expect(rule.annotations.runbook).toBe(`docs/observability.md#${rule.alert.toLowerCase()}`);
      expect(docs, `docs/observability.md has no heading for ${rule.alert}`).toMatch(new RegExp(`^### ${rule.alert}$`, 'm'));
    }
  });
});

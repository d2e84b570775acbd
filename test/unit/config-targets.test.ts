import { describe, expect, it } from 'vitest';
import { problemsOf, type Edit } from './config-hardening-base.js';

describe('pipeline targets', () => {
  it.each<[string, Edit[], RegExp]>([
    ['the checkpoint ledger', [[['pipelines', 0, 'target'], 'tributary_checkpoints']], /^pipelines\[0\]\.target: pipeline "orders": .*not one of Tributary's own tables .*got "analytics\.tributary_checkpoints"/],
    ['the batch ledger in another schema', [[['pipelines', 1, 'target'], 'state.tributary_batches']], /^pipelines\[1\]\.target: pipeline "clicks": .*Tributary's own tables/],
    ['a pg_catalog table', [[['pipelines', 0, 'target'], 'pg_catalog.pg_class']], /^pipelines\[0\]\.target: pipeline "orders": expected a target outside the system schema "pg_catalog"/],
    ['an information_schema table', [[['pipelines', 1, 'target'], 'information_schema.tables']], /system schema "information_schema"/],
    ['a system warehouse schema', [[['warehouse', 'schema'], 'pg_catalog']], /^pipelines\[0\]\.target: .*system schema "pg_catalog"/],
  ])('refuses %s as a target', (_what, edits, message) => {
    const problems = problemsOf(...edits);
    expect(problems.some((p) => message.test(p)), problems.join('\n')).toBe(true);
  });

  it('refuses two pipelines writing one table, naming both', () => {
    const problems = problemsOf([['pipelines', 2], { name: 'orders_dim', kind: 'dimension', source: 'app', table: 'sales.orders', key: ['id'] }]);
    expect(problems).toEqual([
      expect.stringMatching(/^pipelines\[2\]\.target: pipeline "orders_dim": expected a target of its own, but pipeline "orders" already writes analytics\.orders/),
    ]);
    expect(problemsOf([['pipelines', 1, 'target'], 'ANALYTICS.Orders'])).toHaveLength(1);
  });

  it("lets one pipeline's regions share its target, and distinct targets pass", () => {
    expect(
      problemsOf(
        [['sources', 'app', 'servers', 1], { region: 'eu', secret: 'app-eu' }],
        [['pipelines', 0, 'regions'], ['us', 'eu']],
        [['pipelines', 2], { name: 'orders_dim', kind: 'dimension', source: 'app', table: 'public.orders', target: 'orders_dim', key: ['id'] }],
      ),
    ).toEqual([]);
  });
});

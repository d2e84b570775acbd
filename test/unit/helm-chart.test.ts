// The Helm chart, rendered by the real helm CLI (built by infra/local/install-helm.sh with
// `go install`). Kubernetes itself is tested at this boundary only: `helm lint` and
// `helm template`, no cluster. What the chart renders is checked object by object, and the
// ConfigMap it renders must be a config file the workers accept (config/load.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { validateConfig } from '../../config/load.js';
import { allRegions } from '../../config/resolve.js';
import { valuesSchema, valuesSchemaPath } from '../../infra/helm/tributary/schema/values-schema.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const chart = join(root, 'infra/helm/tributary');
const environmentValues = join(chart, 'ci/environment-values.yaml');
const chartValues = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as { config: Record<string, unknown> };

interface Container {
  args: string[];
  image: string;
  env: { name: string; value: string }[];
  ports?: { name: string; containerPort: number; protocol: string }[];
  resources: Record<string, unknown>;
  securityContext: Record<string, unknown>;
  volumeMounts: unknown[];
  startupProbe?: { httpGet: unknown };
  readinessProbe?: { httpGet: unknown };
  livenessProbe?: { httpGet: unknown };
}

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: { serviceAccountName: string; restartPolicy?: string; securityContext: Record<string, unknown>; containers: Container[]; volumes: unknown[] };
}

/** The fields of the rendered manifests that these tests read. */
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: { replicas?: number; maxUnavailable?: number | string; selector?: { matchLabels: Record<string, string> }; template?: PodTemplate };
}

/** The pod template of a Deployment or Job. */
function pod(o: K8sObject): PodTemplate {
  if (!o.spec?.template) throw new Error(`${o.kind} ${o.metadata.name} has no pod template`);
  return o.spec.template;
}

let helm = '';
let scratch = '';

/** Builds helm once if it is missing; a failure here fails the suite with the installer's output. */
beforeAll(() => {
  const install = spawnSync('bash', [join(root, 'infra/local/install-helm.sh')], { encoding: 'utf8' });
  if (install.status !== 0) {
    throw new Error(`infra/local/install-helm.sh failed (exit ${install.status}); helm is needed for these tests:\n${install.stderr}`);
  }
  helm = install.stdout.trim().split('\n').pop()!;
  scratch = mkdtempSync(join(tmpdir(), 'tributary-helm-'));
}, 900_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(helm, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config'), HELM_DATA_HOME: join(scratch, 'data') } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let extraFiles = 0;
/** Extra values as a file (how users and Pulumi pass them), laid over the environment values. */
function valuesFile(values: unknown): string {
  const file = join(scratch, `extra-${++extraFiles}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

function template(extra?: unknown, releaseName = 'tributary'): { status: number; objects: K8sObject[]; stderr: string } {
  const args = ['template', releaseName, chart, '--namespace', 'tributary-qa', '-f', environmentValues];
  if (extra !== undefined) args.push('-f', valuesFile(extra));
  const r = run(args);
  const objects = r.status === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject).filter(Boolean) : [];
  return { status: r.status, objects, stderr: r.stderr };
}

function rendered(extra?: unknown): K8sObject[] {
  const r = template(extra);
  expect(r.stderr, 'helm template failed').toBe('');
  expect(r.status).toBe(0);
  return r.objects;
}

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

function configOf(objects: K8sObject[]): unknown {
  const maps = ofKind(objects, 'ConfigMap');
  expect(maps).toHaveLength(1);
  return parse(maps[0]!.data!['config.yaml']!);
}

describe('helm lint', () => {
  it('passes with the environment values (--strict)', () => {
    const r = run(['lint', '--strict', chart, '-f', environmentValues]);
    expect(r.stdout + r.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  it('refuses the chart without an environment: warehouse, stage and secrets come from Pulumi', () => {
    const r = run(['lint', chart]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/at '\/config': missing properties 'warehouse', 'stage', 'secrets'/);
  });
});

describe('the rendered release', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = rendered();
  });

  it('renders the pipeline config into a ConfigMap that the workers accept', () => {
    const config = configOf(objects);
    const cfg = validateConfig('ConfigMap tributary-config', config);
    expect(cfg.warehouse.type).toBe('redshift');
    expect(cfg.stage.type).toBe('s3');
    expect(cfg.secrets.provider).toBe('aws');
    // Every pipeline of the values file, and nothing else, is in the ConfigMap.
    expect(config).toMatchObject({ pipelines: chartValues.config.pipelines, sources: chartValues.config.sources });
    expect(cfg.pipelines.map((p) => p.name)).toEqual(['orders']);
  });

  it('runs one worker Deployment per region the pipelines run in, each on its own task queue', () => {
    const cfg = validateConfig('configmap', configOf(objects));
    const deployments = ofKind(objects, 'Deployment');
    expect(deployments.map((d) => d.metadata.labels!['tributary.io/region']).sort()).toEqual([...allRegions(cfg)].sort());
    for (const d of deployments) {
      const region = d.metadata.labels!['tributary.io/region']!;
      expect(d.metadata.name).toBe(`tributary-default-${region}`);
      const spec = pod(d).spec;
      const worker = spec.containers[0]!;
      expect(worker.args).toEqual(['node', '--import', 'tsx', 'workers/main.ts', '--region', region, '--config', '/etc/tributary/config.yaml']);
      expect(worker.image).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/tributary:0.1.0');
      expect(worker.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=1536 --enable-source-maps' });
      expect(worker.env).toContainEqual({ name: 'TRIBUTARY_CONFIG', value: '/etc/tributary/config.yaml' });
      expect(worker.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
      expect(worker.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/tributary', readOnly: true });
      expect(spec.volumes).toContainEqual({ name: 'config', configMap: { name: 'tributary-config' } });
      expect(d.spec!.replicas).toBe(2);
      const selector = d.spec!.selector!.matchLabels;
      expect(Object.keys(selector).length).toBeGreaterThan(2);
      expect(pod(d).metadata.labels).toMatchObject(selector);
    }
  });

  it('exposes the metrics port from the config, probes it, and asks Prometheus to scrape it', () => {
    for (const d of ofKind(objects, 'Deployment')) {
      const worker = pod(d).spec.containers[0]!;
      expect(worker.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        expect(worker[probe]?.httpGet, probe).toEqual({ path: '/metrics', port: 'metrics' });
      }
      expect(pod(d).metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9464',
        'prometheus.io/path': '/metrics',
      });
    }
  });

  it('runs as a non-root user with a read-only root filesystem', () => {
    for (const d of ofKind(objects, 'Deployment')) {
      const spec = pod(d).spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(spec.containers[0]!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(spec.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
    }
  });

  it('gives the workers a ServiceAccount carrying the IAM role (IRSA)', () => {
    const [sa, ...more] = ofKind(objects, 'ServiceAccount');
    expect(more).toHaveLength(0);
    expect(sa!.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tributary-qa-workers' });
    for (const d of ofKind(objects, 'Deployment')) expect(pod(d).spec.serviceAccountName).toBe(sa!.metadata.name);
  });

  it('keeps all but one worker of each Deployment up during a drain', () => {
    const pdbs = ofKind(objects, 'PodDisruptionBudget');
    const deployments = ofKind(objects, 'Deployment');
    expect(pdbs.map((p) => p.metadata.name).sort()).toEqual(deployments.map((d) => d.metadata.name).sort());
    for (const pdb of pdbs) {
      const d = deployments.find((x) => x.metadata.name === pdb.metadata.name)!;
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec!.maxUnavailable).toBe(1);
      expect(pdb.spec!.selector).toEqual(d.spec!.selector);
    }
  });

  it('applies the schedules in a hook Job after every install and upgrade, with the same config', () => {
    const [job, ...more] = ofKind(objects, 'Job');
    expect(more).toHaveLength(0);
    expect(job!.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation' });
    const spec = pod(job!).spec;
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.containers[0]!.args).toEqual(['tributary', 'apply', '--config', '/etc/tributary/config.yaml']);
    expect(spec.volumes).toContainEqual({ name: 'config', configMap: { name: 'tributary-config' } });
    const workerChecksum = pod(ofKind(objects, 'Deployment')[0]!).metadata.annotations['checksum/config'];
    expect(pod(job!).metadata.annotations['checksum/config']).toBe(workerChecksum);
  });

  it('rolls the workers when the config changes', () => {
    const checksum = (objs: K8sObject[]) => pod(ofKind(objs, 'Deployment')[0]!).metadata.annotations['checksum/config'];
    const changed = rendered({ config: { pipelines: [{ ...(chartValues.config.pipelines as object[])[0], schedule: '*/5 * * * *' }] } });
    expect(checksum(changed)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(changed)).not.toBe(checksum(objects));
  });
});

describe('worker pools', () => {
  it('lays each pool over the defaults: resources and Node options per pool, one Deployment per pool and region', () => {
    const objects = rendered({
      workers: {
        pools: [
          { name: 'heavy', regions: ['us'], replicas: 4, nodeOptions: '--max-old-space-size=6144', resources: { limits: { memory: '8Gi' } } },
          { name: 'default', regions: ['eu'] },
        ],
      },
    });
    const byName = Object.fromEntries(ofKind(objects, 'Deployment').map((d) => [d.metadata.name, d]));
    expect(Object.keys(byName).sort()).toEqual(['tributary-default-eu', 'tributary-heavy-us']);
    const heavy = byName['tributary-heavy-us']!;
    expect(heavy.spec!.replicas).toBe(4);
    const worker = pod(heavy).spec.containers[0]!;
    expect(worker.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=6144' });
    // The pool's memory limit replaces the default one; the default requests stay.
    expect(worker.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '8Gi' } });
    expect(pod(byName['tributary-default-eu']!).spec.containers[0]!.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=1536 --enable-source-maps' });
    expect(ofKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name).sort()).toEqual(['tributary-default-eu', 'tributary-heavy-us']);
  });

  it('refuses a pool for a region no pipeline runs in', () => {
    const r = template({ workers: { pools: [{ name: 'default', regions: ['us', 'ap'] }] } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('workers.pools[0].regions: "ap" is not a region any pipeline runs in (eu, us)');
  });

  it('refuses a pool named twice', () => {
    const r = template({ workers: { pools: [{ name: 'a', regions: ['us'] }, { name: 'a', regions: ['eu'] }] } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('workers.pools[1].name: the pool name "a" is used twice');
  });

  it('can leave out the budgets and the schedule Job', () => {
    const objects = rendered({ podDisruptionBudget: { enabled: false }, applySchedules: { enabled: false } });
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(0);
    expect(ofKind(objects, 'Job')).toHaveLength(0);
    expect(ofKind(objects, 'Deployment')).toHaveLength(2);
  });
});

describe('worker versioning', () => {
  it('runs each build in Deployments of its own, kept across upgrades, and makes it current in a Job after the upgrade', () => {
    const objects = rendered({ image: { tag: '2.4.0' }, workerVersioning: { enabled: true, rolloutWaitSeconds: 200 } });
    const deployments = ofKind(objects, 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['tributary-default-eu-2.4.0', 'tributary-default-us-2.4.0']);
    for (const d of deployments) {
      expect(d.metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep' });
      // The next build's pods are not this Deployment's: the build is in the selector.
      expect(d.spec!.selector).toMatchObject({ matchLabels: { 'tributary.io/build': '2.4.0' } });
      expect(pod(d).metadata.labels).toMatchObject({ 'tributary.io/build': '2.4.0' });
      expect(pod(d).spec.containers[0]!.env).toContainEqual({ name: 'TRIBUTARY_BUILD_ID', value: '2.4.0' });
    }
    for (const pdb of ofKind(objects, 'PodDisruptionBudget')) expect(pdb.spec!.selector).toMatchObject({ matchLabels: { 'tributary.io/build': '2.4.0' } });
    const rollout = ofKind(objects, 'Job').find((j) => j.metadata.name === 'tributary-rollout')!;
    expect(rollout.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-weight': '1' });
    expect(pod(rollout).spec.containers[0]!.args).toEqual(['tributary', 'rollout', '--build-id', '2.4.0', '--wait', '200', '--config', '/etc/tributary/config.yaml']);
  });

  it('is off by default: one Deployment per pool and region, no build id, no rollout Job', () => {
    const objects = rendered();
    expect(ofKind(objects, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['tributary-default-eu', 'tributary-default-us']);
    for (const d of ofKind(objects, 'Deployment')) expect(pod(d).spec.containers[0]!.env.map((e: { name: string }) => e.name)).not.toContain('TRIBUTARY_BUILD_ID');
    expect(ofKind(objects, 'Job').map((j) => j.metadata.name)).toEqual(['tributary-apply-schedules']);
  });
});

describe('the alert rules', () => {
  it('are left out by default; prometheusRule.enabled renders them as a PrometheusRule, as the rules file has them', () => {
    expect(ofKind(rendered(), 'PrometheusRule')).toHaveLength(0);
    const rules = ofKind(rendered({ prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } } }), 'PrometheusRule');
    expect(rules).toHaveLength(1);
    const rule = rules[0] as K8sObject & { spec: { groups: unknown } };
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/part-of': 'tributary' });
    const file = parse(readFileSync(join(root, 'infra/prometheus/rules.yml'), 'utf8')) as { groups: unknown };
    expect(rule.spec.groups).toEqual(file.groups);
  });
});

describe('values.schema.json', () => {
  it('is generated from config/schema.ts and is up to date', () => {
    const committed = readFileSync(valuesSchemaPath, 'utf8');
    expect(committed, 'values.schema.json is stale: run node --import tsx infra/helm/tributary/schema/values-schema.ts').toBe(valuesSchema());
  });

  const pipeline = (chartValues.config.pipelines as Record<string, unknown>[])[0]!;
  it.each([
    ['an unknown pipeline kind', { config: { pipelines: [{ ...pipeline, kind: 'nightly' }] } }, "at '/config/pipelines/0'"],
    ['a key that is not a list', { config: { pipelines: [{ ...pipeline, key: 'id' }] } }, "at '/config/pipelines/0'"],
    ['a misspelt pipeline field', { config: { pipelines: [{ ...pipeline, watermrk: 'updated_at' }] } }, "at '/config/pipelines/0'"],
    ['a bad source name', { config: { sources: { 'App!': { type: 'postgres', servers: [{ region: 'us', secret: 'app-us' }] } } } }, "invalid propertyName 'App!'"],
    ['no metrics port (probes and scraping need it)', { config: { metrics: { prometheus: null } } }, "at '/config/metrics'"],
    ['an upper-case pool name', { workers: { pools: [{ name: 'Heavy' }] } }, "at '/workers/pools/0/name'"],
    ['a negative replica count', { workers: { defaults: { replicas: -1 } } }, "at '/workers/defaults/replicas'"],
    ['an unknown pull policy', { image: { pullPolicy: 'Sometimes' } }, "at '/image/pullPolicy'"],
    ['a role that is not an IAM role ARN', { serviceAccount: { roleArn: 'tributary-workers' } }, "at '/serviceAccount/roleArn'"],
    ['an unknown top-level value', { wrokers: {} }, "additional properties 'wrokers' not allowed"],
  ])('rejects %s', (_what, values, where) => {
    const r = template(values);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain(where);
  });
});

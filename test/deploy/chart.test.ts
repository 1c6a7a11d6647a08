import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../helpers/child-process.js';

/**
 * The Helm chart, rendered by helm itself (HELM names the binary; CI installs it) and every object
 * validated against the Kubernetes schemas offline (kubernetes-models). Skipped, saying so, where no
 * helm binary is found outside CI.
 */
const CHART = resolve(PROJECT_ROOT, 'deploy/helm/clear-telemetry');
const helm = process.env.HELM ?? (existsSync('/usr/local/bin/helm') ? '/usr/local/bin/helm' : null);
if (!helm) {
  if (process.env.CI) throw new Error('CI must render the Helm chart, but HELM names no helm binary.');
  console.log('Skipping the Helm chart tests: set HELM to a helm binary to run them.');
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function render(...sets: string[]): K8sObject[] {
  const args = ['template', 'ct', CHART, ...sets.flatMap((set) => ['--set', set])];
  const text = execFileSync(helm ?? 'helm', args, { encoding: 'utf8' });
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

/** Validates an object against its kind's schema: core kinds, and the Prometheus operator's. */
async function validate(object: K8sObject): Promise<void> {
  const module = object.apiVersion.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${object.apiVersion}`
    : `kubernetes-models/${object.apiVersion}`;
  const kinds = (await import(module)) as Record<string, new (data: K8sObject) => { validate(): void }>;
  const Kind = kinds[object.kind];
  if (!Kind) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Kind(object).validate();
}

const find = (objects: K8sObject[], kind: string, suffix = '') =>
  objects.find((object) => object.kind === kind && object.metadata.name.endsWith(`clear-telemetry${suffix}`));

const FULL = [
  'slack.mode=http',
  'ingress.enabled=true',
  'redis.enabled=true',
  'migrations.enabled=true',
  'migrations.existingSecret=ct-migrator',
  'cronJob.enabled=true',
  'metrics.serviceMonitor.enabled=true',
  'policies=policies: []',
  'slack.botToken=xoxb-1',
  'slack.signingSecret=secret',
  'database.url=postgres://bot@db/django',
];

describe.skipIf(!helm)('the Helm chart', () => {
  it.each([
    ['its default values', []],
    ['HTTP mode with an ingress, Redis, the migration Job, the CronJob and a ServiceMonitor', FULL],
  ])('renders valid Kubernetes objects with %s', async (_, sets) => {
    const objects = render(...sets);
    expect(objects.length).toBeGreaterThan(3);
    for (const object of objects) await validate(object);
  });

  it('catches an invalid object: the validation itself can fail', async () => {
    const [deployment] = render().filter((object) => object.kind === 'Deployment');
    await expect(
      validate({ ...deployment, spec: { ...deployment?.spec, replicas: 'two' } } as K8sObject),
    ).rejects.toThrow();
  });

  it('runs two replicas on different nodes, with a disruption budget, probes and a grace period above the shutdown timeout', () => {
    const objects = render('env.CLEAR_TELEMETRY_SHUTDOWN_TIMEOUT=45s');
    const deployment = find(objects, 'Deployment') as unknown as {
      spec: {
        replicas: number;
        template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
      };
    };
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(55);
    expect(JSON.stringify(pod.affinity)).toContain('"topologyKey":"kubernetes.io/hostname"');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [container] = pod.containers;
    expect(container).toMatchObject({
      livenessProbe: { httpGet: { path: '/healthz', port: 'ops' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 'ops' } },
      startupProbe: { httpGet: { path: '/healthz', port: 'ops' } },
      securityContext: {
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      },
    });
    expect(find(objects, 'PodDisruptionBudget')?.spec).toMatchObject({ minAvailable: 1 });
    // Socket Mode: no Slack port at all, and the operators' port in the cluster only.
    expect(JSON.stringify(find(objects, 'Service')?.spec)).not.toContain('"name":"slack"');
  });

  it("routes only Slack's requests through the ingress, never the operators' port", () => {
    const ingress = find(render(...FULL), 'Ingress');
    const paths = JSON.stringify(ingress?.spec);
    expect(paths).toContain('"path":"/slack/events"');
    expect(paths).toContain('"name":"slack"');
    expect(paths).not.toContain('ops');
  });

  it('refuses an ingress in Socket Mode, where nothing reaches the pods from outside', () => {
    expect(() => render('ingress.enabled=true')).toThrow(/ingress.enabled needs slack.mode=http/);
  });

  it('runs the migrations as a hook, with a user of their own', () => {
    const job = find(render(...FULL), 'Job', '-migrate');
    expect(job?.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade' });
    expect(JSON.stringify(job?.spec)).toContain('"command":["clear-telemetry","migrate"]');
    expect(JSON.stringify(job?.spec)).toContain('"name":"ct-migrator"');
  });
});

/**
 * The real `kn` CLI (built from knative.dev/client into the cache dir) inspects the local
 * runtime through the read-only Kubernetes API view and the kubeconfig the runtime writes
 * (DESIGN.md §5 "Inspection", knative-semantics.md §8). Assertions are on kn's own columns.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensureKn } from '../local/infra/kn.js';
import { startTestPipeline, type TestPipeline } from './support/pipeline.js';
import { waitFor } from './support/wait.js';

const SERVICES = ['blur', 'classify', 'grayscale', 'stats', 'upload'];
const TRIGGERS = ['blur', 'classify', 'grayscale', 'stats'];

let knBinary: string;
let pipeline: TestPipeline;

beforeAll(async () => {
  // A no-op when built; the first time a several-minute `go build` (progress on stdout).
  knBinary = await ensureKn({ log: (line) => console.log(line) });
  pipeline = await startTestPipeline();
}, 45 * 60_000);

afterAll(async () => {
  await pipeline?.dispose();
});

interface KnResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kn against the pipeline's kubeconfig (never the user's). */
function kn(...args: string[]): Promise<KnResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, KUBECONFIG: '' };
    execFile(knBinary, ['--kubeconfig', pipeline.kubeconfig!, ...args], { env, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

async function knOk(...args: string[]): Promise<string> {
  const result = await kn(...args);
  if (result.code !== 0) throw new Error(`kn ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** kn's tables: columns start where the header's words start (cells such as "3 OK / 3" hold single spaces). */
function table(output: string): Record<string, string>[] {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0] ?? '';
  const columns = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], start: m.index }));
  return lines.slice(1).map((line) =>
    Object.fromEntries(columns.map((column, i) => [column.name, line.slice(column.start, columns[i + 1]?.start ?? line.length).trim()])),
  );
}

/** `Key:   value` lines of a describe. */
function attribute(output: string, key: string): string | undefined {
  return output
    .split('\n')
    .map((line) => line.match(new RegExp(`^\\s*${key}:\\s+(.*)$`)))
    .find(Boolean)?.[1]
    ?.trim();
}

describe('kn against the local runtime', () => {
  it('the runtime writes a kubeconfig for its API view', async () => {
    expect(pipeline.urls.kube).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const config = parseYaml(await readFile(pipeline.kubeconfig!, 'utf8'));
    expect(config['current-context']).toBe('file-pipeline-local');
    expect(config.clusters[0].cluster.server).toBe(pipeline.urls.kube);
    expect(config.contexts[0].context.namespace).toBe(pipeline.namespace);
  });

  it('kn version runs the binary that was built', async () => {
    expect(await knOk('version')).toMatch(/^Version:\s+v0\.\d+\.\d+/m);
  });

  it('kn service list: the five services with their local URLs, latest revision, 3 OK / 3, READY True', async () => {
    const rows = table(await knOk('service', 'list'));
    expect(Object.keys(rows[0]!)).toEqual(['NAME', 'URL', 'LATEST', 'AGE', 'CONDITIONS', 'READY', 'REASON']);
    expect(rows.map((r) => r['NAME'])).toEqual(SERVICES);
    for (const row of rows) {
      const name = row['NAME']!;
      expect(row['URL']).toBe(pipeline.urls.services[name]);
      expect(row['LATEST']).toBe(pipeline.services.get(name)!.settings.revision);
      expect(row['LATEST']).toMatch(new RegExp(`^${name}-\\d{5}$`));
      expect(row['AGE']).toMatch(/^\d+[smh]/);
      expect(row['CONDITIONS']).toBe('3 OK / 3');
      expect(row['READY']).toBe('True');
      expect(row['REASON']).toBe('');
    }
  });

  it('kn service list -A adds the namespace column', async () => {
    const rows = table(await knOk('service', 'list', '--all-namespaces'));
    expect(rows.map((r) => r['NAMESPACE'])).toEqual(SERVICES.map(() => pipeline.namespace));
  });

  it('kn service describe upload: URL, the @latest revision with 100%, and its conditions', async () => {
    const out = await knOk('service', 'describe', 'upload');
    const revision = pipeline.services.get('upload')!.settings.revision;
    expect(attribute(out, 'Name')).toBe('upload');
    expect(attribute(out, 'Namespace')).toBe(pipeline.namespace);
    expect(attribute(out, 'URL')).toBe(pipeline.urls.upload);
    expect(out).toMatch(new RegExp(`100%\\s+@latest \\(${revision}\\) \\[\\d+\\]`));
    expect(attribute(out, 'Image')).toBe('file-pipeline');
    for (const type of ['Ready', 'ConfigurationsReady', 'RoutesReady']) expect(out).toMatch(new RegExp(`^\\s+\\+\\+ ${type}\\s`, 'm'));
  });

  it('kn revision list: one revision per service, 100% traffic, READY True; Active follows the instances', async () => {
    const rows = table(await knOk('revision', 'list'));
    expect(Object.keys(rows[0]!)).toEqual(['NAME', 'SERVICE', 'TRAFFIC', 'TAGS', 'GENERATION', 'AGE', 'CONDITIONS', 'READY', 'REASON']);
    expect(rows.map((r) => r['SERVICE']).sort()).toEqual(SERVICES);
    for (const row of rows) {
      expect(row['NAME']).toBe(pipeline.services.get(row['SERVICE']!)!.settings.revision);
      expect(row['TRAFFIC']).toBe('100%');
      expect(row['GENERATION']).toBe(String(Number(row['NAME']!.slice(-5))));
      expect(row['READY']).toBe('True');
    }
    // Nothing has called blur: scaled to zero, Knative's Active=False/NoTraffic (an Info condition, still Ready).
    const blur = rows.find((r) => r['SERVICE'] === 'blur')!;
    expect(blur['CONDITIONS']).toBe('3 OK / 4');
    const described = await knOk('revision', 'describe', blur['NAME']!);
    expect(described).toMatch(/^\s+I Active\s+\S+\s+NoTraffic/m);
    expect(attribute(described, 'Replicas')).toBe('0/0');
  });

  it('a request scales upload up: kn shows its revision Active with a replica', async () => {
    const response = await fetch(`${pipeline.urls.upload}/healthz`);
    expect(response.status).toBe(200);
    const revision = pipeline.services.get('upload')!.settings.revision;
    const rows = table(await knOk('revision', 'list', '--service', 'upload'));
    expect(rows).toEqual([expect.objectContaining({ NAME: revision, SERVICE: 'upload', CONDITIONS: '4 OK / 4', READY: 'True' })]);
    const described = await knOk('service', 'describe', 'upload');
    expect(attribute(described, 'Replicas')).toMatch(/^[1-9]\d*\/[1-9]\d*$/);
  });

  it('kn route list: a route per service at its URL', async () => {
    const rows = table(await knOk('route', 'list'));
    expect(Object.keys(rows[0]!)).toEqual(['NAME', 'URL', 'READY']);
    expect(rows.map((r) => [r['NAME'], r['URL'], r['READY']])).toEqual(SERVICES.map((name) => [name, pipeline.urls.services[name], 'True']));
  });

  it('kn broker list and describe: the Kafka broker at the ingress URL', async () => {
    const rows = table(await knOk('broker', 'list'));
    expect(Object.keys(rows[0]!)).toEqual(['NAME', 'URL', 'AGE', 'CONDITIONS', 'READY', 'REASON']);
    expect(rows).toEqual([expect.objectContaining({ NAME: 'default', URL: pipeline.urls.broker, CONDITIONS: '7 OK / 7', READY: 'True' })]);
    expect(pipeline.urls.broker).toBe(`${pipeline.urls.ingress}/${pipeline.namespace}/default`);

    const out = await knOk('broker', 'describe', 'default');
    expect(attribute(out, 'Name')).toBe('default');
    expect(attribute(out, 'Annotations')).toContain('eventing.knative.dev/broker.class=Kafka');
    expect(attribute(out, 'URL')).toBe(pipeline.urls.broker);
    for (const type of ['Ready', 'Addressable', 'TopicReady']) expect(out).toMatch(new RegExp(`^\\s+\\+\\+ ${type}\\s`, 'm'));
  });

  it('kn trigger list: four triggers on the default broker, each sinking to its ksvc', async () => {
    const rows = table(await knOk('trigger', 'list'));
    expect(Object.keys(rows[0]!)).toEqual(['NAME', 'BROKER', 'SINK', 'AGE', 'CONDITIONS', 'READY', 'REASON']);
    expect(rows.map((r) => [r['NAME'], r['BROKER'], r['SINK'], r['CONDITIONS'], r['READY']])).toEqual(
      TRIGGERS.map((name) => [name, 'default', `ksvc:${name}`, '6 OK / 6', 'True']),
    );
  });

  it('kn trigger describe -o json: the object with the resolved subscriber URI', async () => {
    const trigger = JSON.parse(await knOk('trigger', 'describe', 'stats', '-o', 'json'));
    expect(trigger.apiVersion).toBe('eventing.knative.dev/v1');
    expect(trigger.kind).toBe('Trigger');
    expect(trigger.metadata).toMatchObject({ name: 'stats', namespace: pipeline.namespace, generation: 1, labels: { 'eventing.knative.dev/broker': 'default' } });
    expect(trigger.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(trigger.spec.subscriber.ref).toEqual({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'stats', namespace: pipeline.namespace });
    expect(trigger.spec.filters[0].any).toHaveLength(5);
    expect(trigger.spec.delivery).toEqual(pipeline.manifests.triggers.find((t) => t.metadata.name === 'stats')!.spec.delivery);
    expect(trigger.status.subscriberUri).toBe(pipeline.urls.services['stats']);
    expect(trigger.status.deadLetterSinkUri).toBe(`${pipeline.urls.ingress}/${pipeline.namespace}/dead-letters`);
    expect(trigger.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ status: 'True' });

    const services = JSON.parse(await knOk('service', 'list', '-o', 'json'));
    expect(services.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(SERVICES);
    expect(services.items[0].status).toMatchObject({ observedGeneration: expect.any(Number), traffic: [{ latestRevision: true, percent: 100 }] });
  });

  it('kn source list: the SinkBinding that gives upload its K_SINK', async () => {
    const rows = table(await knOk('source', 'list'));
    expect(rows).toEqual([{ NAME: 'upload-to-broker', TYPE: 'SinkBinding', RESOURCE: 'sinkbindings.sources.knative.dev', SINK: 'broker:default', READY: 'True' }]);
  });

  it('unknown names are NotFound and writes are refused (read-only)', async () => {
    const missing = await kn('service', 'describe', 'nope');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('services.serving.knative.dev "nope" not found');

    const deleted = await kn('service', 'delete', 'upload');
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toContain('read-only');
    await waitFor(async () => (await fetch(`${pipeline.urls.upload}/healthz`)).ok, 10_000, 'upload still answering');

    const put = await fetch(`${pipeline.urls.kube}/apis/serving.knative.dev/v1/namespaces/${pipeline.namespace}/services/upload`, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    expect(await put.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'MethodNotAllowed', code: 405 });

    const get = await fetch(`${pipeline.urls.kube}/apis/eventing.knative.dev/v1/namespaces/${pipeline.namespace}/triggers/nope`);
    expect(get.status).toBe(404);
    expect(await get.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, details: { name: 'nope', group: 'eventing.knative.dev', kind: 'triggers' } });
  });

  it('label selectors and discovery behave like the API server', async () => {
    const base = `${pipeline.urls.kube}/apis/serving.knative.dev/v1`;
    const selected = await pipeline.json(`${base}/namespaces/${pipeline.namespace}/revisions?labelSelector=${encodeURIComponent('serving.knative.dev/service in (blur,stats)')}`);
    expect(selected.kind).toBe('RevisionList');
    expect(selected.items.map((r: { metadata: { labels: Record<string, string> } }) => r.metadata.labels['serving.knative.dev/service'])).toEqual(['blur', 'stats']);
    const none = await pipeline.json(`${base}/namespaces/elsewhere/services`);
    expect(none.items).toEqual([]);

    const groups = await pipeline.json(`${pipeline.urls.kube}/apis`);
    expect(groups.groups.map((g: { name: string }) => g.name)).toEqual(expect.arrayContaining(['serving.knative.dev', 'eventing.knative.dev', 'sources.knative.dev']));
    const resources = await pipeline.json(base);
    expect(resources.resources.filter((r: { name: string }) => !r.name.includes('/')).map((r: { name: string }) => r.name)).toEqual(['services', 'configurations', 'revisions', 'routes']);
    expect(await pipeline.json(`${pipeline.urls.kube}/version`)).toMatchObject({ major: '1' });
  });
});

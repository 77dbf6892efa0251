/**
 * Every manifest in knative/ and eventing/ against the real Knative CRD schemas (pinned Go
 * modules, local/infra/crds.ts) plus the webhook rules the schemas cannot express
 * (local/manifests/validate.ts). The broken variants each deep-clone a real manifest and change
 * one thing.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNATIVE_CRD_MODULES, ensureKnativeCrds } from '../local/infra/crds.js';
import { InfraError, MissingToolError } from '../local/infra/errors.js';
import {
  CrdCatalog,
  type ManifestResource,
  type ValidationIssue,
  formatPath,
  parseGoDuration,
  parseIsoDuration,
  readManifestResources,
  validateManifests,
  validateResources,
} from '../local/manifests/validate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The first `go mod download` of three Knative modules can take a minute or two. */
const CRD_FETCH_TIMEOUT_MS = 5 * 60_000;

/** The mutations poke at arbitrary YAML. */
type Doc = Record<string, any>;

let catalog: CrdCatalog;
let crdFiles: string[];
let resources: ManifestResource[];

beforeAll(async () => {
  const crds = await ensureKnativeCrds({ log: (line) => console.log(`[crds] ${line}`) });
  crdFiles = crds.files;
  catalog = await CrdCatalog.load(crdFiles);
  const read = await readManifestResources(ROOT);
  expect(read.issues).toEqual([]);
  resources = read.resources;
}, CRD_FETCH_TIMEOUT_MS);

const show = (issues: readonly ValidationIssue[]) => issues.map((i) => `${i.file}#${i.document} ${i.kind}/${i.name} ${i.path}: ${i.message}`).join('\n');

describe('Knative CRDs from the pinned Go modules', () => {
  it('are cached per module@version and include every kind the manifests use', async () => {
    expect(KNATIVE_CRD_MODULES.map((m) => `${m.module}@${m.version}`)).toEqual([
      'knative.dev/serving@v0.50.0',
      'knative.dev/eventing@v0.50.0',
      'knative.dev/eventing-kafka-broker@v0.50.1',
    ]);
    for (const file of crdFiles) expect(existsSync(file), file).toBe(true);
    expect(crdFiles.map((f) => basename(f))).toEqual(expect.arrayContaining(['service.yaml', 'broker.yaml', 'trigger.yaml', 'sinkbindings.yaml', '100-kafka-sink.yaml', '100-kafka-source.yaml']));
    expect(catalog.kinds()).toEqual(
      expect.arrayContaining([
        'serving.knative.dev/v1 Service',
        'eventing.knative.dev/v1 Broker',
        'eventing.knative.dev/v1 Trigger',
        'eventing.knative.dev/v1alpha1 KafkaSink',
        'sources.knative.dev/v1 SinkBinding',
        'sources.knative.dev/v1beta1 KafkaSource',
      ]),
    );
    // Present now, so a second call only checks the cache.
    const started = Date.now();
    const again = await ensureKnativeCrds();
    expect(again.files).toEqual(crdFiles);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('copies just the listed CRD files out of the Go module cache, and fails clearly', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'crds-test-'));
    try {
      const serving = KNATIVE_CRD_MODULES.find((m) => m.module === 'knative.dev/serving')!;
      const target = join(cacheDir, 'knative-crds', 'knative.dev', 'serving@v0.50.0');
      const result = await ensureKnativeCrds({ cacheDir, modules: [serving] });
      expect(result).toEqual({ dir: join(cacheDir, 'knative-crds'), files: ['service', 'configuration', 'revision', 'route'].map((n) => join(target, `${n}.yaml`)) });
      expect(JSON.parse(readFileSync(join(target, 'source.json'), 'utf8'))).toMatchObject({ module: 'knative.dev/serving', version: 'v0.50.0', origin: { Ref: 'refs/tags/v0.50.0' } });
      expect(readFileSync(result.files[0]!, 'utf8')).toContain('name: services.serving.knative.dev');

      const missing = { ...serving, files: ['config/core/300-resources/nope.yaml'] };
      await expect(ensureKnativeCrds({ cacheDir, modules: [missing] })).rejects.toThrow(InfraError);
      await expect(ensureKnativeCrds({ cacheDir, modules: [missing] })).rejects.toThrow(/has no config\/core\/300-resources\/nope.yaml/);
      expect(readdirSync(join(cacheDir, 'knative-crds', 'knative.dev'))).toEqual(['serving@v0.50.0']); // no staging left behind
      await expect(ensureKnativeCrds({ cacheDir: join(cacheDir, 'elsewhere'), env: { ...process.env, PATH: '/nonexistent' }, modules: [serving] })).rejects.toThrow(MissingToolError);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, CRD_FETCH_TIMEOUT_MS);
});

describe('the repository manifests', () => {
  it('validate with zero issues against the real CRDs and the webhook rules', async () => {
    const issues = await validateManifests(ROOT, { catalog });
    expect(issues, show(issues)).toEqual([]);
  });

  it('cover every kustomization resource', () => {
    const kinds = resources.map((r) => `${r.object['kind']}/${(r.object['metadata'] as Doc)['name']}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['Namespace/file-pipeline', 'ConfigMap/pipeline-config', 'Service/upload', 'Service/blur', 'Broker/default', 'Trigger/stats', 'KafkaSink/dead-letters', 'SinkBinding/upload-to-broker', 'ConfigMap/kafka-broker-config']),
    );
    expect(new Set(resources.map((r) => r.namespace))).toEqual(new Set(['file-pipeline']));
  });

  it('validates the example Secret (not in the kustomization) with the built-in core check', () => {
    const object = parse(readFileSync(join(ROOT, 'knative/minio-credentials.example.yaml'), 'utf8')) as Doc;
    const secret: ManifestResource = { file: 'knative/minio-credentials.example.yaml', document: 1, namespace: 'file-pipeline', object };
    expect(validateResources([secret], catalog)).toEqual([]);
    const broken = structuredClone(secret);
    broken.object['data'] = { S3_ACCESS_KEY: 'not base64!' };
    broken.object['stringdata'] = {};
    const issues = validateResources([broken], catalog);
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['data.S3_ACCESS_KEY', 'stringdata']));
  });
});

interface BrokenCase {
  what: string;
  /** The real manifest to clone, `Kind/name`. */
  target: string;
  mutate: (object: Doc) => void;
  path: string;
  message: string | RegExp;
  /** Default true: the change produces issues on the changed resource only. */
  isolated?: boolean;
}

const template = (o: Doc): Doc => o['spec']['template'];
const podSpec = (o: Doc): Doc => template(o)['spec'];
const container = (o: Doc): Doc => podSpec(o)['containers'][0];
const scaling = (o: Doc): Doc => template(o)['metadata']['annotations'];

const BROKEN: BrokenCase[] = [
  // ----- Knative Service: schema
  { what: 'containerConcurrency as a string', target: 'Service/blur', mutate: (o) => void (podSpec(o)['containerConcurrency'] = '10'), path: 'spec.template.spec.containerConcurrency', message: 'must be integer (got string "10")' },
  { what: 'unknown field spec.bogus', target: 'Service/blur', mutate: (o) => void (o['spec']['bogus'] = true), path: 'spec.bogus', message: 'unknown field "bogus"' },
  { what: 'unknown pod-spec field', target: 'Service/stats', mutate: (o) => void (podSpec(o)['foo'] = 1), path: 'spec.template.spec.foo', message: 'unknown field "foo"' },
  { what: 'unknown container field', target: 'Service/stats', mutate: (o) => void (container(o)['imagePullPolice'] = 'Always'), path: 'spec.template.spec.containers[0].imagePullPolice', message: 'unknown field' },
  { what: 'containerPort as a string', target: 'Service/classify', mutate: (o) => void (container(o)['ports'][0]['containerPort'] = '8080'), path: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'must be integer' },
  { what: 'annotation value as a number', target: 'Service/blur', mutate: (o) => void (scaling(o)['autoscaling.knative.dev/min-scale'] = 1), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/min-scale]', message: 'must be string' },
  { what: 'memory limit that is not a quantity', target: 'Service/blur', mutate: (o) => void (container(o)['resources']['limits']['memory'] = '512 megs'), path: 'spec.template.spec.containers[0].resources.limits.memory', message: /must match/ },
  { what: 'no containers', target: 'Service/blur', mutate: (o) => void delete podSpec(o)['containers'], path: 'spec.template.spec.containers', message: 'missing required field "containers"' },
  { what: 'an apiVersion the CRD does not serve', target: 'Service/upload', mutate: (o) => void (o['apiVersion'] = 'serving.knative.dev/v2'), path: 'apiVersion', message: 'is not served for Service; the CRD serves serving.knative.dev/v1', isolated: false },
  { what: 'unknown metadata field', target: 'Service/blur', mutate: (o) => void (o['metadata']['label'] = {}), path: 'metadata.label', message: 'unknown field "label"' },
  // ----- Knative Service: webhook rules (§7)
  { what: 'missing image', target: 'Service/blur', mutate: (o) => void delete container(o)['image'], path: 'spec.template.spec.containers[0].image', message: 'missing field: image' },
  { what: 'containerConcurrency over 1000', target: 'Service/upload', mutate: (o) => void (podSpec(o)['containerConcurrency'] = 5000), path: 'spec.template.spec.containerConcurrency', message: 'expected 0 <= 5000 <= 1000' },
  { what: 'timeoutSeconds 9000', target: 'Service/upload', mutate: (o) => void (podSpec(o)['timeoutSeconds'] = 9000), path: 'spec.template.spec.timeoutSeconds', message: 'expected 1 <= 9000 <= 600' },
  { what: 'env PORT', target: 'Service/grayscale', mutate: (o) => void container(o)['env'].push({ name: 'PORT', value: '9000' }), path: 'spec.template.spec.containers[0].env[1].name', message: '"PORT" is a reserved environment variable' },
  { what: 'env K_SERVICE', target: 'Service/grayscale', mutate: (o) => void container(o)['env'].unshift({ name: 'K_SERVICE', value: 'x' }), path: 'spec.template.spec.containers[0].env[0].name', message: '"K_SERVICE" is a reserved environment variable' },
  { what: 'a reserved container port', target: 'Service/grayscale', mutate: (o) => void (container(o)['ports'][0]['containerPort'] = 8012), path: 'spec.template.spec.containers[0].ports[0].containerPort', message: '8012 is a reserved port' },
  { what: 'readiness probe on another port', target: 'Service/classify', mutate: (o) => void (container(o)['readinessProbe']['httpGet']['port'] = 9000), path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'probe port 9000 must match the container port' },
  { what: 'min-scale > max-scale', target: 'Service/blur', mutate: (o) => void Object.assign(scaling(o), { 'autoscaling.knative.dev/min-scale': '8', 'autoscaling.knative.dev/max-scale': '6' }), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/max-scale]', message: 'max-scale=6 is less than min-scale=8' },
  { what: 'min-scale that is not a number', target: 'Service/blur', mutate: (o) => void (scaling(o)['autoscaling.knative.dev/min-scale'] = 'abc'), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/min-scale]', message: 'invalid value "abc": must be a whole number' },
  { what: 'negative max-scale', target: 'Service/blur', mutate: (o) => void (scaling(o)['autoscaling.knative.dev/max-scale'] = '-1'), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/max-scale]', message: 'expected 0 <= -1' },
  { what: 'target 0', target: 'Service/stats', mutate: (o) => void (scaling(o)['autoscaling.knative.dev/target'] = '0'), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/target]', message: 'should be at least 0.01' },
  { what: 'retention period without a unit', target: 'Service/stats', mutate: (o) => void (scaling(o)['autoscaling.knative.dev/scale-to-zero-pod-retention-period'] = '30'), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/scale-to-zero-pod-retention-period]', message: 'must be a duration' },
  { what: 'window below 6s', target: 'Service/stats', mutate: (o) => void (scaling(o)['autoscaling.knative.dev/window'] = '2s'), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/window]', message: 'expected 6s <= 2s <= 3600s' },
  { what: 'unknown autoscaler class', target: 'Service/stats', mutate: (o) => void (scaling(o)['autoscaling.knative.dev/class'] = 'keda.autoscaling.knative.dev'), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/class]', message: 'must be kpa.autoscaling.knative.dev or hpa.autoscaling.knative.dev' },
  { what: 'cpu metric with the KPA class', target: 'Service/stats', mutate: (o) => void (scaling(o)['autoscaling.knative.dev/metric'] = 'cpu'), path: 'spec.template.metadata.annotations[autoscaling.knative.dev/metric]', message: 'the KPA class takes concurrency or rps' },
  { what: 'autoscaling annotation on the Service itself', target: 'Service/stats', mutate: (o) => void (o['metadata']['annotations']['autoscaling.knative.dev/max-scale'] = '3'), path: 'metadata.annotations[autoscaling.knative.dev/max-scale]', message: 'must be put under "spec.template.metadata.annotations"' },
  // ----- Broker (§3, §3.3, §5.1)
  { what: 'backoffDelay: 1s', target: 'Broker/default', mutate: (o) => void (o['spec']['delivery']['backoffDelay'] = '1s'), path: 'spec.delivery.backoffDelay', message: 'invalid value "1s": must be an ISO-8601 duration' },
  { what: 'backoffPolicy: quadratic', target: 'Broker/default', mutate: (o) => void (o['spec']['delivery']['backoffPolicy'] = 'quadratic'), path: 'spec.delivery.backoffPolicy', message: 'invalid value "quadratic": must be linear or exponential' },
  { what: 'timeout PT0S', target: 'Broker/default', mutate: (o) => void (o['spec']['delivery']['timeout'] = 'PT0S'), path: 'spec.delivery.timeout', message: 'must be a non-zero ISO-8601 duration' },
  { what: 'retry as a string', target: 'Broker/default', mutate: (o) => void (o['spec']['delivery']['retry'] = '5'), path: 'spec.delivery.retry', message: 'must be integer' },
  { what: 'unknown delivery field', target: 'Broker/default', mutate: (o) => void (o['spec']['delivery']['retries'] = 5), path: 'spec.delivery.retries', message: 'unknown field "retries"' },
  { what: 'retryAfterMax without its feature', target: 'Broker/default', mutate: (o) => void (o['spec']['delivery']['retryAfterMax'] = 'PT10S'), path: 'spec.delivery.retryAfterMax', message: 'delivery-retryafter' },
  { what: 'Broker without spec.delivery', target: 'Broker/default', mutate: (o) => void delete o['spec']['delivery'], path: 'spec.delivery', message: 'must be set' },
  { what: 'Broker without spec.config', target: 'Broker/default', mutate: (o) => void delete o['spec']['config'], path: 'spec.config', message: 'must be set' },
  { what: 'Broker without the class annotation', target: 'Broker/default', mutate: (o) => void delete o['metadata']['annotations'], path: 'metadata.annotations[eventing.knative.dev/broker.class]', message: 'missing field: the broker class annotation' },
  { what: 'Kafka Broker config that is not a ConfigMap', target: 'Broker/default', mutate: (o) => void (o['spec']['config']['kind'] = 'Secret'), path: 'spec.config.kind', message: 'Expected ConfigMap' },
  { what: 'Broker config naming a ConfigMap that is not defined', target: 'Broker/default', mutate: (o) => void (o['spec']['config']['name'] = 'kafka-config'), path: 'spec.config', message: 'ConfigMap "kafka-config" (v1) is not defined in knative/ or eventing/' },
  { what: 'dead-letter sink that is not defined', target: 'Broker/default', mutate: (o) => void (o['spec']['delivery']['deadLetterSink']['ref']['name'] = 'dead-letter'), path: 'spec.delivery.deadLetterSink.ref', message: 'KafkaSink "dead-letter" (eventing.knative.dev/v1alpha1) is not defined' },
  { what: 'dead-letter sink ref without a kind', target: 'Broker/default', mutate: (o) => void delete o['spec']['delivery']['deadLetterSink']['ref']['kind'], path: 'spec.delivery.deadLetterSink.ref.kind', message: 'missing field: kind' },
  // ----- Trigger (§2)
  { what: 'two dialects in one filters element', target: 'Trigger/blur', mutate: (o) => void (o['spec']['filters'][0]['suffix'] = { source: '/upload' }), path: 'spec.filters[0]', message: 'multiple dialects found, filters can have only one dialect set' },
  { what: 'a filters element with no dialect', target: 'Trigger/blur', mutate: (o) => void o['spec']['filters'].push({}), path: 'spec.filters[1]', message: 'no dialect set' },
  { what: 'attribute name Type in filter.attributes', target: 'Trigger/classify', mutate: (o) => void (o['spec']['filter']['attributes'] = { Type: 'pipeline.file.uploaded' }), path: 'spec.filter.attributes.Type', message: 'Attribute name must start with a letter and can only contain lowercase alphanumeric' },
  { what: 'attribute name Type in an exact filter', target: 'Trigger/blur', mutate: (o) => void (o['spec']['filters'][0]['exact'] = { Type: 'pipeline.effect.requested' }), path: 'spec.filters[0].exact.Type', message: 'Attribute name must start with a letter' },
  { what: 'empty value in an exact filter', target: 'Trigger/grayscale', mutate: (o) => void (o['spec']['filters'][0]['exact']['effect'] = ''), path: 'spec.filters[0].exact.effect', message: 'must not be empty' },
  { what: 'unknown key in a nested any filter', target: 'Trigger/stats', mutate: (o) => void (o['spec']['filters'][0]['any'][1] = { exactly: { type: 'x' } }), path: 'spec.filters[0].any[1].exactly', message: 'unknown field "exactly"' },
  { what: 'unknown field spec.bogus (preserved by the CRD, rejected by the webhook)', target: 'Trigger/stats', mutate: (o) => void (o['spec']['bogus'] = 1), path: 'spec.bogus', message: 'unknown field "bogus"' },
  { what: 'subscriber naming a ksvc that does not exist', target: 'Trigger/blur', mutate: (o) => void (o['spec']['subscriber']['ref']['name'] = 'resize'), path: 'spec.subscriber.ref', message: 'Service "resize" (serving.knative.dev/v1) is not defined in knative/ or eventing/' },
  { what: 'subscriber with neither ref nor uri', target: 'Trigger/blur', mutate: (o) => void (o['spec']['subscriber'] = {}), path: 'spec.subscriber', message: 'expected at least one, got none: ref, uri' },
  { what: 'subscriber with a relative uri only', target: 'Trigger/blur', mutate: (o) => void (o['spec']['subscriber'] = { uri: '/blur' }), path: 'spec.subscriber.uri', message: 'Relative URI is not allowed' },
  { what: 'no broker', target: 'Trigger/grayscale', mutate: (o) => void delete o['spec']['broker'], path: 'spec.broker', message: 'missing field: broker' },
  { what: 'a broker that is not defined', target: 'Trigger/grayscale', mutate: (o) => void (o['spec']['broker'] = 'main'), path: 'spec.broker', message: 'Broker "main" (eventing.knative.dev/v1) is not defined' },
  { what: 'delivery.order annotation of another value', target: 'Trigger/stats', mutate: (o) => void (o['metadata']['annotations']['kafka.eventing.knative.dev/delivery.order'] = 'fifo'), path: 'metadata.annotations[kafka.eventing.knative.dev/delivery.order]', message: 'must be ordered or unordered' },
  { what: 'delivery.format xml', target: 'Trigger/stats', mutate: (o) => void (o['spec']['delivery'] = { ...o['spec']['delivery'], format: 'xml' }), path: 'spec.delivery.format', message: 'must be json or binary' },
  { what: 'an invalid name', target: 'Trigger/stats', mutate: (o) => void (o['metadata']['name'] = 'Stats_Trigger'), path: 'metadata.name', message: 'must be a DNS-1123 subdomain' },
  // ----- KafkaSink (EKB kafka_sink_validation.go)
  { what: 'KafkaSink without topic', target: 'KafkaSink/dead-letters', mutate: (o) => void delete o['spec']['topic'], path: 'spec.topic', message: 'missing required field "topic"' },
  { what: 'KafkaSink with an empty topic', target: 'KafkaSink/dead-letters', mutate: (o) => void (o['spec']['topic'] = ''), path: 'spec.topic', message: 'a topic name is required' },
  { what: 'KafkaSink numPartitions 0', target: 'KafkaSink/dead-letters', mutate: (o) => void (o['spec']['numPartitions'] = 0), path: 'spec.numPartitions', message: 'must be > 0' },
  { what: 'KafkaSink contentMode xml', target: 'KafkaSink/dead-letters', mutate: (o) => void (o['spec']['contentMode'] = 'xml'), path: 'spec.contentMode', message: 'must be one of "binary", "structured"' },
  { what: 'KafkaSink unknown field', target: 'KafkaSink/dead-letters', mutate: (o) => void (o['spec']['partitions'] = 3), path: 'spec.partitions', message: 'unknown field "partitions"' },
  // ----- SinkBinding (§6.2)
  { what: 'SinkBinding subject that is not defined', target: 'SinkBinding/upload-to-broker', mutate: (o) => void (o['spec']['subject']['name'] = 'uploader'), path: 'spec.subject', message: 'Service "uploader" (serving.knative.dev/v1) is not defined' },
  { what: 'SinkBinding sink that is not defined', target: 'SinkBinding/upload-to-broker', mutate: (o) => void (o['spec']['sink']['ref']['name'] = 'events'), path: 'spec.sink.ref', message: 'Broker "events" (eventing.knative.dev/v1) is not defined' },
  { what: 'SinkBinding without sink', target: 'SinkBinding/upload-to-broker', mutate: (o) => void delete o['spec']['sink'], path: 'spec.sink', message: 'expected at least one, got none' },
  { what: 'SinkBinding subject with both name and selector', target: 'SinkBinding/upload-to-broker', mutate: (o) => void (o['spec']['subject']['selector'] = { matchLabels: { app: 'upload' } }), path: 'spec.subject', message: 'expected exactly one, got both: name, selector' },
  // ----- core kinds
  { what: 'ConfigMap value that is not a string', target: 'ConfigMap/pipeline-config', mutate: (o) => void (o['data']['UPLOAD_MAX_BYTES'] = 52428800), path: 'data.UPLOAD_MAX_BYTES', message: 'must be string (got number 52428800)' },
  { what: 'ConfigMap key with a slash', target: 'ConfigMap/kafka-broker-config', mutate: (o) => void (o['data']['bootstrap/servers'] = 'x'), path: 'data[bootstrap/servers]', message: 'invalid key "bootstrap/servers"' },
  { what: 'Namespace name that is not a DNS label', target: 'Namespace/file-pipeline', mutate: (o) => void (o['metadata']['name'] = 'file.pipeline'), path: 'metadata.name', message: 'must be a DNS-1123 label' },
];

function findResource(list: ManifestResource[], target: string): ManifestResource {
  const [kind, name] = target.split('/');
  const found = list.find((r) => r.object['kind'] === kind && (r.object['metadata'] as Doc)['name'] === name);
  if (!found) throw new Error(`no ${target} in the manifests`);
  return found;
}

describe('broken variants of the real manifests', () => {
  it.each(BROKEN)('$what ($target) → $path', ({ target, mutate, path, message, isolated = true }) => {
    const broken = structuredClone(resources);
    const resource = findResource(broken, target);
    mutate(resource.object as Doc);
    const issues = validateResources(broken, catalog);
    const own = issues.filter((i) => i.file === resource.file && i.document === resource.document);
    const match = own.find((i) => i.path === path && (typeof message === 'string' ? i.message.includes(message) : message.test(i.message)));
    expect(match, `expected ${path}: ${String(message)}; got:\n${show(issues)}`).toBeDefined();
    expect(match!.kind).toBe(target.split('/')[0]);
    if (isolated) expect(issues, show(issues)).toEqual(own);
  });

  it('leave the originals untouched (each case deep-clones)', () => {
    expect(validateResources(resources, catalog)).toEqual([]);
  });
});

describe('files on disk', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'manifests-test-'));
    for (const folder of ['knative', 'eventing']) cpSync(join(ROOT, folder), join(root, folder), { recursive: true });
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('name the file and the document of an issue', async () => {
    const file = join(root, 'eventing/300-triggers.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('effect: grayscale', 'Effect: grayscale'));
    const issues = await validateManifests(root, { catalog });
    expect(issues).toEqual([
      {
        file: 'eventing/300-triggers.yaml',
        document: 2,
        kind: 'Trigger',
        name: 'grayscale',
        path: 'spec.filters[0].exact.Effect',
        message: 'invalid key name "Effect": Attribute name must start with a letter and can only contain lowercase alphanumeric',
      },
    ]);
  });

  it('report a kustomization entry that is missing and YAML that does not parse', async () => {
    writeFileSync(join(root, 'knative/kustomization.yaml'), 'namespace: file-pipeline\nresources:\n  - 000-namespace.yaml\n  - 300-missing.yaml\n  - 900-bad.yaml\n');
    writeFileSync(join(root, 'knative/900-bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n');
    const issues = await validateManifests(root, { catalog, folders: ['knative'] });
    expect(issues.map((i) => i.file)).toEqual(['knative/300-missing.yaml', 'knative/900-bad.yaml']);
    expect(issues[0]!.message).toMatch(/cannot read: ENOENT/);
  });
});

describe('helpers', () => {
  it('parses ISO-8601 durations the way the eventing webhook does', () => {
    for (const ok of ['PT0.2S', 'PT1S', 'PT2M', 'P1D', 'PT1H30M', 'P1W', 'PT0,5S']) expect(parseIsoDuration(ok), ok).toBeDefined();
    for (const bad of ['1s', 'P', 'PT', 'PT1', 'T1S', '', 'PT-1S']) expect(parseIsoDuration(bad), bad).toBeUndefined();
    expect(parseIsoDuration('PT0S')!.zero).toBe(true);
  });

  it('parses Go durations the way the serving webhook does', () => {
    expect(parseGoDuration('30s')).toBe(30e9);
    expect(parseGoDuration('1m30s')).toBe(90e9);
    expect(parseGoDuration('1.5h')).toBe(5400e9);
    expect(parseGoDuration('0')).toBe(0);
    for (const bad of ['30', '', 's', '1d', 'PT30S']) expect(parseGoDuration(bad), bad).toBeUndefined();
  });

  it('formats field paths with brackets for indices and dotted keys', () => {
    expect(formatPath(['spec', 'filters', 0, 'exact', 'type'])).toBe('spec.filters[0].exact.type');
    expect(formatPath(['metadata', 'annotations', 'autoscaling.knative.dev/min-scale'])).toBe('metadata.annotations[autoscaling.knative.dev/min-scale]');
  });
});

/**
 * A read-only Kubernetes API view of what the local runtime runs (DESIGN.md §5 "Inspection"),
 * so the real `kn` CLI, given the kubeconfig the runtime writes, lists and describes it.
 *
 * It speaks the kube-apiserver REST conventions client-go relies on: discovery (`/api`,
 * `/apis`, `/apis/<group>/<version>`, `/version`), `get` and `list` (one namespace or all,
 * `labelSelector`, `fieldSelector`) of Knative Services, Revisions, Routes, Configurations,
 * Brokers, Triggers and SinkBindings, `Status` objects for errors (404 unknown name or path,
 * 405 for every write and watch). Objects are built per request from the manifests plus the
 * live state of each ServiceRunner, with the conditions Knative's reconcilers set
 * (knative-semantics.md §8, §12.11).
 */
import { createHash } from 'node:crypto';
import { bearerToken, tokenMatches } from '../../functions/lib/http/access.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TlsMaterial } from './tls.js';
import type { AddressInfo } from 'node:net';
import type { Manifests } from '../manifests/load.js';
import type { Destination, DeliverySpec } from '../manifests/schema.js';
import type { ServiceRunner } from '../serving/service-runner.js';

/** What the view reads: a LocalPipeline satisfies it. */
export interface KubeApiSource {
  readonly namespace: string;
  readonly manifests: Manifests;
  readonly services: ReadonlyMap<string, Pick<ServiceRunner, 'status' | 'settings' | 'url'>>;
  readonly urls: { readonly ingress: string };
}

export interface KubeApiOptions {
  /** 0 (default) picks a free loopback port. */
  readonly port?: number;
  /** When the objects were "created" (metadata.creationTimestamp, first condition transitions). Default: now. */
  readonly createdAt?: Date;
  /** One line per request (method, path, status); default silent. */
  readonly log?: (line: string) => void;
  /** When set, every request needs `Authorization: Bearer <token>` (the runtime's apiToken); 401 otherwise. */
  readonly token?: string;
  /** Serve https with this key and certificate (client-go sends a bearer token only over TLS). */
  readonly tls?: TlsMaterial;
}

export interface KubeApi {
  readonly url: string;
  stop(): Promise<void>;
}

type KubeObject = Record<string, unknown> & { metadata: ObjectMeta };
interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}
interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime: string;
  reason?: string;
  message?: string;
  severity?: 'Info' | 'Warning';
}

interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly name: string;
  readonly singular: string;
  readonly kind: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly namespaced: boolean;
  readonly build: (view: View) => KubeObject[];
}

const SERVING = 'serving.knative.dev';
const EVENTING = 'eventing.knative.dev';
const SOURCES = 'sources.knative.dev';
const APIEXTENSIONS = 'apiextensions.k8s.io';
const KNATIVE_CATEGORIES = ['all', 'knative', 'serving'] as const;

const RESOURCES: readonly ResourceType[] = [
  { group: SERVING, version: 'v1', name: 'services', singular: 'service', kind: 'Service', shortNames: ['kservice', 'ksvc'], categories: KNATIVE_CATEGORIES, namespaced: true, build: (v) => v.services() },
  { group: SERVING, version: 'v1', name: 'configurations', singular: 'configuration', kind: 'Configuration', shortNames: ['config', 'cfg'], categories: KNATIVE_CATEGORIES, namespaced: true, build: (v) => v.configurations() },
  { group: SERVING, version: 'v1', name: 'revisions', singular: 'revision', kind: 'Revision', shortNames: ['rev'], categories: KNATIVE_CATEGORIES, namespaced: true, build: (v) => v.revisions() },
  { group: SERVING, version: 'v1', name: 'routes', singular: 'route', kind: 'Route', shortNames: ['rt'], categories: KNATIVE_CATEGORIES, namespaced: true, build: (v) => v.routes() },
  { group: EVENTING, version: 'v1', name: 'brokers', singular: 'broker', kind: 'Broker', categories: ['all', 'knative', 'eventing'], namespaced: true, build: (v) => v.brokers() },
  { group: EVENTING, version: 'v1', name: 'triggers', singular: 'trigger', kind: 'Trigger', categories: ['all', 'knative', 'eventing'], namespaced: true, build: (v) => v.triggers() },
  { group: SOURCES, version: 'v1', name: 'sinkbindings', singular: 'sinkbinding', kind: 'SinkBinding', categories: ['all', 'knative', 'sources', 'bindings'], namespaced: true, build: (v) => v.sinkBindings() },
  // `kn source list` finds source kinds through their CRDs (label duck.knative.dev/source=true).
  { group: APIEXTENSIONS, version: 'v1', name: 'customresourcedefinitions', singular: 'customresourcedefinition', kind: 'CustomResourceDefinition', shortNames: ['crd', 'crds'], categories: ['api-extensions'], namespaced: false, build: (v) => v.customResourceDefinitions() },
  { group: '', version: 'v1', name: 'namespaces', singular: 'namespace', kind: 'Namespace', shortNames: ['ns'], namespaced: false, build: (v) => v.namespaces() },
];

const GROUPS = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))];
const READ_VERBS = ['get', 'list'];

/** Starts the view on loopback; `stop()` closes it. */
export async function startKubeApi(source: KubeApiSource, options: KubeApiOptions = {}): Promise<KubeApi> {
  const view = new View(source, options.createdAt ?? new Date());
  const log = options.log;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const status = authorised(req, options.token) ? handle(view, req, res, () => url) : unauthorised(req, res);
    log?.(`kube-api: ${req.method} ${req.url} ${status}`);
  };
  const server: Server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createServer(listener);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Authentication: the same bearer token as the upload API, compared in constant time.

function authorised(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const presented = bearerToken(req.headers.authorization);
  return presented !== undefined && tokenMatches(presented, token);
}

/** A Kubernetes `Status` 401, as the API server answers a request without valid credentials. */
function unauthorised(req: IncomingMessage, res: ServerResponse): number {
  req.resume();
  const text = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer realm="file-pipeline"', 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
  return 401;
}

// ---------------------------------------------------------------------------------------------
// Routing

/** Answers one request; returns the HTTP status it sent. */
function handle(view: View, req: IncomingMessage, res: ServerResponse, serverUrl: () => string): number {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
    return status;
  };
  const fail = (code: number, reason: string, message: string, details?: Record<string, unknown>) =>
    send(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return fail(405, 'MethodNotAllowed', `the local API view of the file pipeline is read-only: ${req.method} is not allowed (change knative/ and eventing/ and restart the runtime instead)`, { causes: [] });
  }
  if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
    return fail(405, 'MethodNotAllowed', 'the local API view of the file pipeline does not support watch', {});
  }

  if (path === '/version') return send(200, versionInfo());
  if (path === '/api') {
    const host = new URL(serverUrl()).host;
    return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] });
  }
  if (path === '/apis') return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(apiGroup) });
  if (path === '/api/v1') return send(200, resourceList('', 'v1'));

  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    [group, version, rest] = ['', 'v1', segments.slice(2)];
  } else if (segments[0] === 'apis' && segments.length >= 2) {
    group = segments[1]!;
    if (!GROUPS.includes(group)) return notFoundPath(fail);
    if (segments.length === 2) return send(200, apiGroup(group));
    version = segments[2]!;
    if (!RESOURCES.some((r) => r.group === group && r.version === version)) return notFoundPath(fail);
    if (segments.length === 3) return send(200, resourceList(group, version));
    rest = segments.slice(3);
  } else {
    return notFoundPath(fail);
  }

  // rest: <resource>[/<name>[/status]] or namespaces/<ns>/<resource>[/<name>[/status]]
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resourceName, name, subresource, ...extra] = rest;
  const type = RESOURCES.find((r) => r.group === group && r.version === version && r.name === resourceName);
  if (!type || extra.length > 0 || (subresource !== undefined && subresource !== 'status') || (namespace !== undefined && !type.namespaced)) return notFoundPath(fail);

  const apiVersion = group ? `${group}/${version}` : version;
  const all = type.build(view).map((object) => ({ apiVersion, kind: type.kind, ...object }));
  // The API server lists in key order: namespace, then name.
  const inScope = (type.namespaced && namespace !== undefined ? all.filter((o) => o.metadata.namespace === namespace) : all).sort(
    (a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name),
  );

  if (name !== undefined) {
    const found = inScope.find((o) => o.metadata.name === name);
    if (!found) {
      const qualified = group ? `${type.name}.${group}` : type.name;
      return fail(404, 'NotFound', `${qualified} "${name}" not found`, { name, ...(group ? { group } : {}), kind: type.name });
    }
    return send(200, found);
  }

  let selected: KubeObject[];
  try {
    const labels = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
    const fields = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '');
    selected = inScope.filter((o) => labels(o.metadata.labels ?? {}) && fields(o));
  } catch (error) {
    return fail(400, 'BadRequest', (error as Error).message);
  }
  return send(200, {
    apiVersion,
    kind: `${type.kind}List`,
    metadata: { resourceVersion: listVersion(selected) },
    items: selected,
  });
}

function notFoundPath(fail: (code: number, reason: string, message: string, details?: Record<string, unknown>) => number): number {
  return fail(404, 'NotFound', 'the server could not find the requested resource', {});
}

function versionInfo() {
  return {
    major: '1',
    minor: '33',
    gitVersion: 'v1.33.0-file-pipeline-local',
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: 'n/a',
    compiler: 'node',
    platform: `${process.platform}/${process.arch}`,
  };
}

function apiGroup(group: string) {
  const versions = [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version))].map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

function resourceList(group: string, version: string) {
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version).flatMap((r) => {
    const main = {
      name: r.name,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: READ_VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    };
    return r.group === SERVING || r.group === EVENTING || r.group === SOURCES ? [main, { name: `${r.name}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get'] }] : [main];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

// ---------------------------------------------------------------------------------------------
// Selectors (the label selector grammar of k8s.io/apimachinery/pkg/labels)

type LabelMatcher = (labels: Record<string, string>) => boolean;

/** `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`, comma-separated (AND). */
export function parseLabelSelector(text: string): LabelMatcher {
  const requirements: LabelMatcher[] = [];
  for (const part of splitTopLevel(text)) {
    const term = part.trim();
    if (!term) continue;
    let match: RegExpMatchArray | null;
    if ((match = term.match(/^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const [, key, op, list] = match as unknown as [string, string, string, string];
      const values = list.split(',').map((v) => v.trim());
      requirements.push(op === 'in' ? (l) => key in l && values.includes(l[key]!) : (l) => !(key in l) || !values.includes(l[key]!));
    } else if ((match = term.match(/^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/))) {
      const [, key, op, value] = match as unknown as [string, string, string, string];
      requirements.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((match = term.match(/^!\s*([^\s!=(),]+)$/))) {
      const key = match[1]!;
      requirements.push((l) => !(key in l));
    } else if ((match = term.match(/^([^\s!=(),]+)$/))) {
      const key = match[1]!;
      requirements.push((l) => key in l);
    } else {
      throw new Error(`unable to parse requirement: "${term}"`);
    }
  }
  return (labels) => requirements.every((r) => r(labels));
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

/** `metadata.name=x`, `metadata.namespace!=y`: the fields every resource supports. */
function parseFieldSelector(text: string): (object: KubeObject) => boolean {
  const requirements = splitTopLevel(text)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((term) => {
      const match = term.match(/^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/);
      if (!match) throw new Error(`field label not supported: ${term.split(/[!=]/)[0]}`);
      const [, field, op, value] = match as unknown as [string, string, string, string];
      const read = (o: KubeObject) => (field === 'metadata.name' ? o.metadata.name : o.metadata.namespace);
      return op === '!=' ? (o: KubeObject) => read(o) !== value : (o: KubeObject) => read(o) === value;
    });
  return (object) => requirements.every((r) => r(object));
}

// ---------------------------------------------------------------------------------------------
// Objects

const TRUE = 'True';

class View {
  private readonly transitions = new Map<string, { status: string; at: string }>();
  private readonly created: string;

  constructor(private readonly source: KubeApiSource, createdAt: Date) {
    this.created = timestamp(createdAt);
  }

  private get namespace(): string {
    return this.source.namespace;
  }

  /** metadata common to every object; uid is stable for the life of the view. */
  private meta(kind: string, name: string, extra: Partial<ObjectMeta> = {}, generation = 1): ObjectMeta {
    return {
      name,
      namespace: this.namespace,
      uid: uid(`${this.namespace}/${kind}/${name}/${this.created}`),
      generation,
      creationTimestamp: this.created,
      ...extra,
    };
  }

  /** A condition whose lastTransitionTime moves only when its status does. */
  private condition(owner: string, type: string, status: Condition['status'], extra: Partial<Condition> = {}): Condition {
    const key = `${owner}#${type}`;
    const previous = this.transitions.get(key);
    let at = previous?.at ?? this.created;
    if (previous && previous.status !== status) at = timestamp(new Date());
    this.transitions.set(key, { status, at });
    return { type, status, lastTransitionTime: at, ...extra };
  }

  /** Knative's "happy" condition set: every dependent true makes Ready true. */
  private conditions(owner: string, types: readonly string[], overrides: Record<string, Partial<Condition> & { status?: Condition['status'] }> = {}): Condition[] {
    const all = [...types, 'Ready'].sort();
    const notReady = types.map((t) => overrides[t]).find((o) => o?.status && o.status !== TRUE && o.severity === undefined);
    return all.map((type) => {
      const override = type === 'Ready' && notReady ? { status: notReady.status!, reason: notReady.reason, message: notReady.message } : overrides[type] ?? {};
      const { status = TRUE, ...rest } = override;
      return this.condition(owner, type, status, stripUndefined(rest));
    });
  }

  private serviceState(name: string) {
    const runner = this.source.services.get(name);
    const status = runner?.status();
    const revision = runner?.settings.revision ?? `${name}-00001`;
    const generation = Number(revision.match(/-(\d+)$/)?.[1] ?? '1');
    return { runner, status, revision, generation, url: runner?.url ?? '', listening: Boolean(runner?.url) };
  }

  services(): KubeObject[] {
    return this.source.manifests.services.map((service) => {
      const name = service.metadata.name;
      const state = this.serviceState(name);
      const deploying: Partial<Condition> & { status?: Condition['status'] } = state.listening ? {} : { status: 'Unknown', reason: 'Deploying' };
      const object: KubeObject = {
        metadata: this.meta('Service', name, labelsAndAnnotations(service.metadata, { 'serving.knative.dev/creator': 'file-pipeline-local', 'serving.knative.dev/lastModifier': 'file-pipeline-local' }), state.generation),
        spec: { ...service.spec, template: this.template(service.spec.template), traffic: [{ latestRevision: true, percent: 100 }] },
        status: {
          observedGeneration: state.generation,
          conditions: this.conditions(`ksvc/${name}`, ['ConfigurationsReady', 'RoutesReady'], { ConfigurationsReady: deploying, RoutesReady: deploying }),
          ...(state.listening ? { url: state.url, address: { url: state.url } } : {}),
          latestCreatedRevisionName: state.revision,
          ...(state.listening ? { latestReadyRevisionName: state.revision } : {}),
          traffic: [{ revisionName: state.revision, latestRevision: true, percent: 100 }],
        },
      };
      return withResourceVersion(object);
    });
  }

  configurations(): KubeObject[] {
    return this.source.manifests.services.map((service) => {
      const name = service.metadata.name;
      const state = this.serviceState(name);
      const object: KubeObject = {
        metadata: this.meta('Configuration', name, {
          labels: { ...service.metadata.labels, 'serving.knative.dev/service': name, 'serving.knative.dev/serviceUID': this.uidOf('Service', name) },
          annotations: { ...service.metadata.annotations },
          ownerReferences: [this.owner('Service', name)],
        }, state.generation),
        spec: { template: this.template(service.spec.template) },
        status: {
          observedGeneration: state.generation,
          conditions: this.conditions(`config/${name}`, [], state.listening ? {} : { Ready: { status: 'Unknown', reason: 'Deploying' } }),
          latestCreatedRevisionName: state.revision,
          ...(state.listening ? { latestReadyRevisionName: state.revision } : {}),
        },
      };
      return withResourceVersion(object);
    });
  }

  revisions(): KubeObject[] {
    return this.source.manifests.services.map((service) => {
      const name = service.metadata.name;
      const state = this.serviceState(name);
      const live = state.status;
      const ready = live?.ready ?? 0;
      const starting = live?.starting ?? 0;
      const template = this.template(service.spec.template);
      // Knative: a revision scaled to zero stays Ready; Active (severity Info) goes False/NoTraffic.
      const active: Partial<Condition> & { status: Condition['status'] } =
        ready > 0 ? { status: TRUE } : starting > 0 ? { status: 'Unknown', reason: 'Activating', message: 'Revision is activating', severity: 'Info' } : { status: 'False', reason: 'NoTraffic', message: 'The target is not receiving traffic.', severity: 'Info' };
      const notListening: Partial<Condition> & { status?: Condition['status'] } = state.listening ? {} : { status: 'Unknown', reason: 'Deploying' };
      const object: KubeObject = {
        metadata: this.meta('Revision', state.revision, {
          labels: {
            ...(template.metadata.labels as Record<string, string> | undefined),
            'serving.knative.dev/configuration': name,
            'serving.knative.dev/configurationGeneration': String(state.generation),
            'serving.knative.dev/configurationUID': this.uidOf('Configuration', name),
            'serving.knative.dev/routingState': 'active',
            'serving.knative.dev/service': name,
            'serving.knative.dev/serviceUID': this.uidOf('Service', name),
          },
          annotations: {
            ...(template.metadata.annotations as Record<string, string> | undefined),
            'serving.knative.dev/creator': 'file-pipeline-local',
            'serving.knative.dev/routes': name,
            'serving.knative.dev/routingStateModified': this.created,
          },
          ownerReferences: [this.owner('Configuration', name)],
        }),
        spec: template.spec,
        status: {
          observedGeneration: 1,
          conditions: this.conditions(`rev/${state.revision}`, ['Active', 'ContainerHealthy', 'ResourcesAvailable'], { Active: { ...active, severity: 'Info' }, ContainerHealthy: notListening, ResourcesAvailable: notListening }),
          actualReplicas: ready,
          desiredReplicas: ready + starting,
          containerStatuses: [{ name: containerName(service.spec.template.spec.containers[0]) }],
        },
      };
      return withResourceVersion(object);
    });
  }

  routes(): KubeObject[] {
    return this.source.manifests.services.map((service) => {
      const name = service.metadata.name;
      const state = this.serviceState(name);
      const pending: Partial<Condition> & { status?: Condition['status'] } = state.listening ? {} : { status: 'Unknown', reason: 'Deploying' };
      const object: KubeObject = {
        metadata: this.meta('Route', name, {
          labels: { ...service.metadata.labels, 'serving.knative.dev/service': name },
          annotations: { ...service.metadata.annotations },
          ownerReferences: [this.owner('Service', name)],
        }),
        spec: { traffic: [{ configurationName: name, latestRevision: true, percent: 100 }] },
        status: {
          observedGeneration: 1,
          conditions: this.conditions(`route/${name}`, ['AllTrafficAssigned', 'CertificateProvisioned', 'IngressReady'], {
            AllTrafficAssigned: pending,
            CertificateProvisioned: { status: TRUE, reason: 'TLSNotEnabled', message: 'external-domain-tls is not enabled' },
            IngressReady: pending,
          }),
          ...(state.listening ? { url: state.url, address: { url: state.url } } : {}),
          traffic: [{ revisionName: state.revision, latestRevision: true, percent: 100 }],
        },
      };
      return withResourceVersion(object);
    });
  }

  brokers(): KubeObject[] {
    return this.source.manifests.brokers.map((broker) => {
      const name = broker.metadata.name;
      const url = this.ingressUrl(name);
      const dls = broker.spec.delivery?.deadLetterSink;
      const object: KubeObject = {
        metadata: this.meta('Broker', name, labelsAndAnnotations(broker.metadata, { 'eventing.knative.dev/broker.class': 'Kafka' })),
        spec: { ...broker.spec, ...(broker.spec.delivery ? { delivery: this.delivery(broker.spec.delivery) } : {}) },
        status: {
          observedGeneration: 1,
          conditions: this.conditions(`broker/${name}`, ['Addressable', 'ConfigMapReady', 'ConfigParsed', 'DataPlaneAvailable', 'ProbeSucceeded', 'TopicReady']),
          address: { name: 'http', url },
          addresses: [{ name: 'http', url }],
          ...(dls ? { deadLetterSinkUri: this.resolve(dls) } : {}),
          annotations: { 'bootstrap.servers': 'local', 'default.topic.partitions': this.partitions(broker.spec.config?.name) },
        },
      };
      return withResourceVersion(object);
    });
  }

  triggers(): KubeObject[] {
    return this.source.manifests.triggers.map((trigger) => {
      const name = trigger.metadata.name;
      const broker = this.source.manifests.brokers.find((b) => b.metadata.name === trigger.spec.broker);
      const subscriberUri = this.resolve(trigger.spec.subscriber);
      const dls = trigger.spec.delivery?.deadLetterSink ?? broker?.spec.delivery?.deadLetterSink;
      const brokerMissing = broker ? {} : { status: 'False' as const, reason: 'BrokerDoesNotExist', message: `Broker "${trigger.spec.broker}" does not exist` };
      const subscriberMissing = subscriberUri ? {} : { status: 'False' as const, reason: 'Unable to get the Subscriber\'s URI', message: 'subscriber does not resolve' };
      const object: KubeObject = {
        metadata: this.meta('Trigger', name, {
          ...labelsAndAnnotations(trigger.metadata, {}),
          labels: { ...trigger.metadata.labels, 'eventing.knative.dev/broker': trigger.spec.broker },
        }),
        spec: {
          ...trigger.spec,
          subscriber: this.withNamespace(trigger.spec.subscriber),
          ...(trigger.spec.delivery ? { delivery: this.delivery(trigger.spec.delivery) } : {}),
        },
        status: {
          observedGeneration: 1,
          conditions: this.conditions(`trigger/${name}`, ['BrokerReady', 'DeadLetterSinkResolved', 'DependencyReady', 'SubscriberResolved', 'SubscriptionReady'], {
            BrokerReady: brokerMissing,
            DeadLetterSinkResolved: dls ? {} : { status: TRUE, reason: 'DeadLetterSinkNotConfigured', message: 'No dead letter sink is configured.' },
            SubscriberResolved: subscriberMissing,
          }),
          ...(subscriberUri ? { subscriberUri } : {}),
          ...(dls ? { deadLetterSinkUri: this.resolve(dls) } : {}),
        },
      };
      return withResourceVersion(object);
    });
  }

  sinkBindings(): KubeObject[] {
    return this.source.manifests.sinkBindings.map((binding) => {
      const name = binding.metadata.name;
      const sinkUri = this.resolve(binding.spec.sink);
      const object: KubeObject = {
        metadata: this.meta('SinkBinding', name, labelsAndAnnotations(binding.metadata, {})),
        spec: { ...binding.spec, subject: { namespace: this.namespace, ...binding.spec.subject }, sink: this.withNamespace(binding.spec.sink) },
        status: {
          observedGeneration: 1,
          conditions: this.conditions(`sinkbinding/${name}`, ['SinkProvided'], sinkUri ? {} : { SinkProvided: { status: 'False', reason: 'NotFound', message: 'sink does not resolve' } }),
          ...(sinkUri ? { sinkUri } : {}),
        },
      };
      return withResourceVersion(object);
    });
  }

  /** The CRDs of the kinds the view serves that kn discovers by label: SinkBinding, a source (as Knative Eventing labels it). */
  customResourceDefinitions(): KubeObject[] {
    const crd = (type: ResourceType, labels: Record<string, string>): KubeObject =>
      withResourceVersion({
        metadata: {
          name: `${type.name}.${type.group}`,
          uid: uid(`crd/${type.name}.${type.group}/${this.created}`),
          generation: 1,
          creationTimestamp: this.created,
          labels: { 'app.kubernetes.io/name': 'knative-eventing', 'knative.dev/crd-install': 'true', ...labels },
        },
        spec: {
          group: type.group,
          names: { kind: type.kind, listKind: `${type.kind}List`, plural: type.name, singular: type.singular, categories: type.categories ?? [] },
          scope: 'Namespaced',
          versions: [{ name: type.version, served: true, storage: true, subresources: { status: {} } }],
        },
        status: {
          acceptedNames: { kind: type.kind, plural: type.name },
          storedVersions: [type.version],
          conditions: [this.condition(`crd/${type.name}`, 'Established', TRUE, { reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' })],
        },
      });
    const sinkBindings = RESOURCES.find((r) => r.name === 'sinkbindings')!;
    return [crd(sinkBindings, { 'duck.knative.dev/source': 'true', 'duck.knative.dev/binding': 'true', 'eventing.knative.dev/source': 'true' })];
  }

  namespaces(): KubeObject[] {
    return [
      withResourceVersion({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: this.namespace, uid: uid(`namespace/${this.namespace}/${this.created}`), creationTimestamp: this.created, labels: { 'kubernetes.io/metadata.name': this.namespace } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      }),
    ];
  }

  // --- helpers --------------------------------------------------------------------------------

  /** The revision template with the defaults Knative's webhook fills in. */
  private template(template: Manifests['services'][number]['spec']['template']) {
    const spec = template.spec;
    return {
      metadata: { ...(template.metadata ?? {}), creationTimestamp: null },
      spec: {
        ...spec,
        containerConcurrency: spec.containerConcurrency ?? 0,
        timeoutSeconds: spec.timeoutSeconds ?? 300,
        enableServiceLinks: false,
        containers: spec.containers.map((c, index) => ({ ...c, name: c.name ?? (index === 0 ? 'user-container' : `container-${index}`) })),
      },
    };
  }

  private delivery(delivery: DeliverySpec) {
    return delivery.deadLetterSink ? { ...delivery, deadLetterSink: this.withNamespace(delivery.deadLetterSink) } : delivery;
  }

  private withNamespace(destination: Destination): Destination {
    return destination.ref ? { ...destination, ref: { namespace: this.namespace, ...destination.ref } } : destination;
  }

  private ingressUrl(name: string): string {
    return `${this.source.urls.ingress}/${this.namespace}/${name}`;
  }

  /** The same resolution the runtime uses for its dispatchers (Service → its URL, Broker/KafkaSink → ingress path). */
  private resolve(destination: Destination): string | undefined {
    if (!destination.ref) return destination.uri;
    const ref = destination.ref;
    let base: string | undefined;
    if (ref.kind === 'Service') base = this.source.services.get(ref.name)?.url || undefined;
    else if (ref.kind === 'Broker' || ref.kind === 'KafkaSink') base = this.source.urls.ingress ? this.ingressUrl(ref.name) : undefined;
    if (!base) return undefined;
    return destination.uri ? new URL(destination.uri, base).toString() : base;
  }

  private partitions(configMap: string | undefined): string {
    return this.source.manifests.configMaps.find((c) => c.metadata.name === configMap)?.data['default.topic.partitions'] ?? '10';
  }

  private uidOf(kind: string, name: string): string {
    return uid(`${this.namespace}/${kind}/${name}/${this.created}`);
  }

  private owner(kind: 'Service' | 'Configuration', name: string) {
    return { apiVersion: `${SERVING}/v1`, kind, name, uid: this.uidOf(kind, name), controller: true, blockOwnerDeletion: true };
  }
}

function containerName(container: { name?: string | undefined } | undefined): string {
  return container?.name ?? 'user-container';
}

function labelsAndAnnotations(metadata: { labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined }, annotations: Record<string, string>): Partial<ObjectMeta> {
  return { labels: { ...metadata.labels }, annotations: { ...metadata.annotations, ...annotations } };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** RFC 3339 at second precision, as the API server writes metav1.Time. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A stable UUID-shaped id from a seed. */
function uid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** resourceVersion changes exactly when the object does: a number derived from its content. */
function withResourceVersion(object: KubeObject): KubeObject {
  const digest = createHash('sha256').update(JSON.stringify(object)).digest();
  object.metadata.resourceVersion = String(digest.readUInt32BE(0));
  return object;
}

function listVersion(items: readonly KubeObject[]): string {
  const digest = createHash('sha256').update(items.map((i) => i.metadata.resourceVersion).join(',')).digest();
  return String(digest.readUInt32BE(0));
}

/**
 * Offline validation of `knative/` and `eventing/` as a real cluster would see them:
 *
 * 1. every resource a kustomization.yaml lists is checked against the `openAPIV3Schema` of the
 *    REAL Knative CRD for its apiVersion + kind (fetched by local/infra/crds.ts from the Go modules
 *    of one pinned release), with ajv; core kinds (ConfigMap, Secret, Namespace) get a small
 *    built-in schema;
 * 2. then the rules the Knative admission webhooks enforce in Go code, which no schema expresses
 *    (knative-semantics.md §10 lists what the schemas alone let through). Each rule cites the
 *    section of shared/reference/knative-semantics.md it implements;
 * 3. references (Trigger broker and subscriber, dead-letter sinks, Broker config, SinkBinding
 *    subject and sink) must name a resource defined in the same folders.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { ensureKnativeCrds } from '../infra/crds.js';

export interface ValidationIssue {
  /** Relative to the root, e.g. `eventing/300-triggers.yaml`. */
  file: string;
  /** 1-based index of the YAML document within the file (0 for the file itself). */
  document: number;
  kind: string;
  name: string;
  /** Field path inside the resource, e.g. `spec.template.spec.containers[0].image`; '' for the whole resource. */
  path: string;
  message: string;
}

/** One resource as `kubectl apply -k` would send it. */
export interface ManifestResource {
  file: string;
  document: number;
  /** The kustomization's namespace (kustomize overrides the document's), else the document's, else `default`. */
  namespace: string;
  object: Record<string, unknown>;
}

export const MANIFEST_FOLDERS = ['knative', 'eventing'] as const;

type Json = Record<string, unknown>;
type Segment = string | number;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const describe = (value: unknown): string => (value === undefined ? 'nothing' : Array.isArray(value) ? 'array' : value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`);

/** `['spec', 'filters', 0, 'exact']` → `spec.filters[0].exact`; keys with dots or slashes go in brackets. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${segment}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the kustomizations
// ---------------------------------------------------------------------------------------------

/** Reads every resource the folders' kustomization.yaml files list; problems reading them become issues. */
export async function readManifestResources(root: string, folders: readonly string[] = MANIFEST_FOLDERS): Promise<{ resources: ManifestResource[]; issues: ValidationIssue[] }> {
  const resources: ManifestResource[] = [];
  const issues: ValidationIssue[] = [];
  const fileIssue = (file: string, message: string, document = 0) => issues.push({ file, document, kind: '', name: '', path: '', message });
  for (const folder of folders) {
    const kustomizationFile = `${folder}/kustomization.yaml`;
    let kustomization: unknown;
    try {
      kustomization = parseYamlDocuments(await readFile(join(root, kustomizationFile), 'utf8'))[0];
    } catch (error) {
      fileIssue(kustomizationFile, `cannot read: ${(error as Error).message}`);
      continue;
    }
    if (!isObject(kustomization) || !Array.isArray(kustomization['resources']) || !kustomization['resources'].every((entry) => typeof entry === 'string')) {
      fileIssue(kustomizationFile, 'must be a mapping with a `resources` list of file names');
      continue;
    }
    const namespace = typeof kustomization['namespace'] === 'string' ? kustomization['namespace'] : undefined;
    if (namespace !== undefined && !DNS1123_LABEL.test(namespace)) fileIssue(kustomizationFile, `namespace "${namespace}" must be a DNS-1123 label`);
    for (const entry of kustomization['resources'] as string[]) {
      const file = `${folder}/${entry}`;
      let documents: unknown[];
      try {
        documents = parseYamlDocuments(await readFile(join(root, file), 'utf8'));
      } catch (error) {
        fileIssue(file, `cannot read: ${(error as Error).message}`);
        continue;
      }
      documents.forEach((object, index) => {
        if (!isObject(object)) {
          fileIssue(file, 'document is not a mapping', index + 1);
          return;
        }
        const metadata = isObject(object['metadata']) ? object['metadata'] : {};
        const ownNamespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined;
        resources.push({ file, document: index + 1, namespace: namespace ?? ownNamespace ?? 'default', object });
      });
    }
  }
  return { resources, issues };
}

/** The non-empty documents of a YAML stream; the first syntax error throws. */
function parseYamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message.split('\n')[0]);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Schemas: the CRDs' openAPIV3Schema, made as strict as the API server + webhooks are
// ---------------------------------------------------------------------------------------------

/**
 * Unknown fields. A CRD schema leaves an object open to extra keys unless it says
 * `additionalProperties: false`, which no Knative CRD does. What a cluster does with an unknown
 * field depends on the node:
 *
 * - A node that declares `properties` and is not `x-kubernetes-preserve-unknown-fields`: the API
 *   server prunes the field, and kubectl's default `--validate=strict` (server-side field
 *   validation, GA since Kubernetes 1.27) turns that into an error ("unknown field"). We close such
 *   nodes with `additionalProperties: false`. This is the choice the task asked us to make: we
 *   *reject* rather than silently prune, since a pruned field is a setting that never applies.
 * - A `x-kubernetes-preserve-unknown-fields: true` node is kept as sent, so additional properties
 *   are allowed there (maps such as `filter.attributes`, `ceOverrides.extensions`, pod-spec
 *   fragments behind feature flags). The exception is a node that is a Go struct behind a webhook
 *   that decodes strictly: the eventing and eventing-kafka-broker webhooks are built with
 *   `disallowUnknownFields = true` (cmd/webhook/main.go, control-plane/cmd/webhook-kafka/main.go
 *   at the pinned versions; serving's passes `false`, "since our CRDs have schemas"), so an
 *   unknown key there fails with "json: unknown field". Such nodes are listed in
 *   PRESERVED_GO_STRUCTS with the Go fields the CRD leaves out (the reason they are preserved:
 *   DeliverySpec's `timeout`/`retryAfterMax`, per the CRD's own comment; ApiServerSource's
 *   `filters`), and closed after adding those. Preserved nodes not listed stay open.
 * - `metadata` is ObjectMeta, which the CRDs leave as a bare `type: object` (or leave out): a
 *   built-in schema (below) checks it, closed, since the API server decodes ObjectMeta strictly.
 */
const DELIVERY_FIELDS_MISSING_FROM_CRDS: Json = {
  timeout: { type: 'string' },
  retryAfterMax: { type: 'string' },
};

/** `<Kind>:<path>` → the Go fields missing from the CRD node (checked against the pinned Go types). */
const PRESERVED_GO_STRUCTS: Record<string, Json> = {
  'Trigger:spec': {},
  'Trigger:spec.delivery': DELIVERY_FIELDS_MISSING_FROM_CRDS,
  'Broker:spec.delivery': DELIVERY_FIELDS_MISSING_FROM_CRDS,
  'ApiServerSource:spec': { filters: { type: 'array', items: { type: 'object' } } },
};

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

const OBJECT_META: Json = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    labels: stringMap,
    annotations: stringMap,
    finalizers: { type: 'array', items: { type: 'string' } },
    ownerReferences: { type: 'array', items: { type: 'object' } },
  },
};

/** Copies a CRD schema node: drops x-kubernetes-* markers (after acting on them) and closes object nodes as described above. */
function strictSchema(node: unknown, kind: string, path: string): unknown {
  if (Array.isArray(node)) return node.map((child) => strictSchema(child, kind, path));
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'description') continue;
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, strictSchema(child, kind, path ? `${path}.${name}` : name)]));
    } else if (['items', 'additionalProperties'].includes(key)) {
      out[key] = typeof value === 'boolean' ? value : strictSchema(value, kind, `${path}[]`);
    } else if (['not', 'anyOf', 'allOf', 'oneOf'].includes(key)) {
      out[key] = strictSchema(value, kind, path);
    } else {
      out[key] = value;
    }
  }
  // int-or-string without an anyOf would otherwise accept anything.
  if (node['x-kubernetes-int-or-string'] === true && out['anyOf'] === undefined && out['type'] === undefined) {
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  const properties = out['properties'];
  if (isObject(properties) && out['additionalProperties'] === undefined) {
    const goStruct = PRESERVED_GO_STRUCTS[`${kind}:${path}`];
    if (goStruct) {
      out['properties'] = { ...goStruct, ...properties };
      out['additionalProperties'] = false;
    } else if (node['x-kubernetes-preserve-unknown-fields'] !== true) {
      out['additionalProperties'] = false;
    }
  }
  return out;
}

/** The root of a manifest: apiVersion, kind, metadata are implicit in every CRD; the rest comes from the CRD. */
function manifestSchema(openAPIV3Schema: unknown, kind: string): Json {
  const root = strictSchema(openAPIV3Schema, kind, '') as Json;
  const properties = isObject(root['properties']) ? root['properties'] : {};
  const required = Array.isArray(root['required']) ? (root['required'] as string[]) : [];
  return {
    ...root,
    type: 'object',
    properties: { ...properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: OBJECT_META },
    required: [...new Set([...required, 'apiVersion', 'kind', 'metadata'])],
    additionalProperties: false,
  };
}

/** Core kinds: the few fields our manifests may use, closed (the API server decodes core types strictly). */
const coreObject = (properties: Json): Json => ({
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  additionalProperties: false,
  properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: OBJECT_META, ...properties },
});
/** ConfigMap and Secret keys: `[-._a-zA-Z0-9]+` (Kubernetes IsConfigMapKey). */
const dataMap = (values: Json): Json => ({ type: 'object', propertyNames: { pattern: '^[-._a-zA-Z0-9]+$', maxLength: 253 }, additionalProperties: values });
const CORE_SCHEMAS: Record<string, Json> = {
  'v1|ConfigMap': coreObject({ data: dataMap({ type: 'string' }), binaryData: dataMap({ type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' }), immutable: { type: 'boolean' } }),
  'v1|Secret': coreObject({
    type: { type: 'string' },
    data: dataMap({ type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
    stringData: dataMap({ type: 'string' }),
    immutable: { type: 'boolean' },
  }),
  'v1|Namespace': coreObject({ spec: { type: 'object', additionalProperties: false, properties: { finalizers: { type: 'array', items: { type: 'string' } } } } }),
};

interface CrdVersion {
  group: string;
  kind: string;
  version: string;
  served: boolean;
  schema: unknown;
  file: string;
}

/** The CRDs, indexed by apiVersion + kind; schemas compile on first use. */
export class CrdCatalog {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(private readonly versions: Map<string, CrdVersion>) {
    // strict off: CRDs carry keywords ajv does not know (x-kubernetes-*, stripped above, plus
    // `nullable`, `default`, `example`); verbose for parentSchema in anyOf errors.
    this.ajv = new Ajv({ strict: false, allErrors: true, verbose: true });
    ajvFormats.default(this.ajv); // int32/int64 are the formats the Knative CRDs use
  }

  static async load(files: readonly string[]): Promise<CrdCatalog> {
    const versions = new Map<string, CrdVersion>();
    for (const file of files) {
      for (const doc of parseYamlDocuments(await readFile(file, 'utf8'))) {
        if (!isObject(doc) || doc['kind'] !== 'CustomResourceDefinition' || !isObject(doc['spec'])) continue;
        const spec = doc['spec'];
        const group = spec['group'];
        const kind = isObject(spec['names']) ? spec['names']['kind'] : undefined;
        if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(spec['versions'])) continue;
        for (const version of spec['versions'] as unknown[]) {
          if (!isObject(version) || typeof version['name'] !== 'string') continue;
          const schema = isObject(version['schema']) ? version['schema']['openAPIV3Schema'] : undefined;
          versions.set(`${group}/${version['name']}|${kind}`, { group, kind, version: version['name'], served: version['served'] === true, schema, file });
        }
      }
    }
    return new CrdCatalog(versions);
  }

  /** `serving.knative.dev/v1 Service`, … */
  kinds(): string[] {
    return [...this.versions.values()].map((v) => `${v.group}/${v.version} ${v.kind}`);
  }

  /** The validator for apiVersion + kind, or why there is none (and which field is to blame). */
  validatorFor(apiVersion: string, kind: string): ValidateFunction | { field: 'apiVersion' | 'kind'; message: string } {
    const key = `${apiVersion}|${kind}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    let schema: Json | undefined = CORE_SCHEMAS[key];
    if (!schema) {
      const crd = this.versions.get(key);
      if (!crd) {
        const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
        const served = [...this.versions.values()].filter((v) => v.group === group && v.kind === kind && v.served).map((v) => `${v.group}/${v.version}`);
        return served.length > 0
          ? { field: 'apiVersion', message: `apiVersion "${apiVersion}" is not served for ${kind}; the CRD serves ${served.join(', ')}` }
          : { field: 'kind', message: `no CRD or built-in schema for ${apiVersion} ${kind} (known: ${[...this.kinds(), 'v1 ConfigMap', 'v1 Secret', 'v1 Namespace'].join(', ')})` };
      }
      if (!crd.served) return { field: 'apiVersion', message: `apiVersion "${apiVersion}" of ${kind} is not served by its CRD` };
      if (!isObject(crd.schema)) return { field: 'kind', message: `the CRD for ${apiVersion} ${kind} has no openAPIV3Schema (${crd.file})` };
      schema = manifestSchema(crd.schema, crd.kind);
    }
    const validate = this.ajv.compile(schema);
    this.compiled.set(key, validate);
    return validate;
  }
}

/** Loads the pinned CRDs (fetching them on first use). */
export async function loadKnativeCrdCatalog(): Promise<CrdCatalog> {
  return CrdCatalog.load((await ensureKnativeCrds()).files);
}

/** JSON pointer from ajv → path segments; a segment is an index where the data there is an array. */
function pointerSegments(pointer: string, data: unknown): Segment[] {
  if (!pointer) return [];
  const segments: Segment[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      segments.push(Number(key));
      current = current[Number(key)];
    } else {
      segments.push(key);
      current = isObject(current) ? current[key] : undefined;
    }
  }
  return segments;
}

function valueAt(data: unknown, segments: readonly Segment[]): unknown {
  let current = data;
  for (const segment of segments) current = Array.isArray(current) ? current[segment as number] : isObject(current) ? current[String(segment)] : undefined;
  return current;
}

/** ajv errors → (path, message), without the noise of anyOf branches. */
function schemaProblems(errors: readonly ErrorObject[], data: unknown): Array<{ path: Segment[]; message: string }> {
  const anyOfBranches = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const problems: Array<{ path: Segment[]; message: string }> = [];
  for (const error of errors) {
    if (anyOfBranches.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    // The inner errors of propertyNames repeat the outer one.
    if (error.propertyName !== undefined && error.keyword !== 'propertyNames') continue;
    const path = pointerSegments(error.instancePath, data);
    const value = valueAt(data, path);
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        problems.push({ path: [...path, String(params['missingProperty'])], message: `missing required field "${String(params['missingProperty'])}"` });
        break;
      case 'additionalProperties':
        problems.push({ path: [...path, String(params['additionalProperty'])], message: `unknown field "${String(params['additionalProperty'])}"` });
        break;
      case 'propertyNames':
        problems.push({ path: [...path, String(params['propertyName'])], message: `invalid key "${String(params['propertyName'])}": must consist of alphanumerics, '-', '_' or '.'` });
        break;
      case 'type':
        problems.push({ path, message: `must be ${String(params['type'])} (got ${describe(value)})` });
        break;
      case 'enum':
        problems.push({ path, message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${describe(value)})` });
        break;
      case 'anyOf': {
        const branches = isObject(error.parentSchema) && Array.isArray(error.parentSchema['anyOf']) ? (error.parentSchema['anyOf'] as unknown[]) : [];
        const types = branches.map((b) => (isObject(b) && typeof b['type'] === 'string' ? b['type'] : undefined)).filter((t): t is string => t !== undefined);
        problems.push({ path, message: types.length === branches.length && types.length > 0 ? `must be ${types.join(' or ')} (got ${describe(value)})` : `must match one of the allowed shapes (got ${describe(value)})` });
        break;
      }
      case 'format':
        problems.push({ path, message: `must be a valid ${String(params['format'])} (got ${describe(value)})` });
        break;
      default:
        problems.push({ path, message: `${error.message ?? 'is invalid'} (got ${describe(value)})` });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Webhook rules the schemas cannot express
// ---------------------------------------------------------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** ISO-8601 duration as the period.Parse of the webhooks takes it: P[nY][nM][nW][nD][T[nH][nM][nS]], at least one part. */
const ISO8601_DURATION = /^[-+]?P(?!$)(\d+(?:[.,]\d+)?Y)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?W)?(\d+(?:[.,]\d+)?D)?(T(?=\d)(\d+(?:[.,]\d+)?H)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?S)?)?$/;

export function parseIsoDuration(text: string): { zero: boolean; negative: boolean } | undefined {
  if (!ISO8601_DURATION.test(text)) return undefined;
  const numbers = text.match(/\d+(?:[.,]\d+)?/g) ?? [];
  return { zero: numbers.every((n) => Number(n.replace(',', '.')) === 0), negative: text.startsWith('-') };
}

const GO_DURATION_UNITS_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration ("30s", "1m30s", "1.5h", "0"), in nanoseconds; undefined if it would not parse. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const match = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return undefined;
  let total = 0;
  for (const [, amount, unit] of match[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(amount) * GO_DURATION_UNITS_NS[unit!]!;
  return match[1] === '-' ? -total : total;
}

const SECOND_NS = 1e9;
const HOUR_NS = 3600 * SECOND_NS;

/** Everything defined in the folders, for resolving references: group|kind|namespace|name. */
class ResourceIndex {
  private readonly byKey = new Map<string, ManifestResource>();

  static keyOf(apiVersion: string, kind: string, namespace: string, name: string): string {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    return `${group}|${kind}|${namespace}|${name}`;
  }

  /** Adds; returns the earlier resource when the same object is already defined. */
  add(resource: ManifestResource): ManifestResource | undefined {
    const { apiVersion, kind, name } = identity(resource);
    const key = ResourceIndex.keyOf(apiVersion, kind, resource.namespace, name);
    const earlier = this.byKey.get(key);
    if (!earlier) this.byKey.set(key, resource);
    return earlier;
  }

  has(apiVersion: string, kind: string, namespace: string, name: string): boolean {
    return this.byKey.has(ResourceIndex.keyOf(apiVersion, kind, namespace, name));
  }
}

function identity(resource: ManifestResource): { apiVersion: string; kind: string; name: string } {
  const { object } = resource;
  const metadata = isObject(object['metadata']) ? object['metadata'] : {};
  return {
    apiVersion: typeof object['apiVersion'] === 'string' ? object['apiVersion'] : '',
    kind: typeof object['kind'] === 'string' ? object['kind'] : '',
    name: typeof metadata['name'] === 'string' ? metadata['name'] : '',
  };
}

/** Collects the issues of one resource. */
class Checker {
  readonly issues: ValidationIssue[] = [];
  readonly kind: string;
  readonly name: string;
  readonly apiVersion: string;

  constructor(
    readonly resource: ManifestResource,
    readonly index: ResourceIndex,
    readonly folders: readonly string[],
  ) {
    ({ apiVersion: this.apiVersion, kind: this.kind, name: this.name } = identity(resource));
  }

  get object(): Json {
    return this.resource.object;
  }

  add(path: readonly Segment[], message: string): void {
    this.issues.push({ file: this.resource.file, document: this.resource.document, kind: this.kind, name: this.name, path: formatPath(path), message });
  }

  at(path: readonly Segment[]): unknown {
    return valueAt(this.object, path);
  }

  annotations(path: readonly Segment[] = ['metadata']): Record<string, string> {
    const value = this.at([...path, 'annotations']);
    if (!isObject(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }

  /** A reference must name something defined in the folders (when it points into our namespace). */
  resolve(path: readonly Segment[], ref: { apiVersion: string; kind: string; name: string; namespace?: string | undefined }): void {
    const namespace = ref.namespace || this.resource.namespace;
    if (namespace !== this.resource.namespace) return; // another namespace: not ours to check
    if (!this.index.has(ref.apiVersion, ref.kind, namespace, ref.name)) {
      this.add(path, `${ref.kind} "${ref.name}" (${ref.apiVersion}) is not defined in ${this.folders.map((f) => `${f}/`).join(' or ')} (namespace ${namespace})`);
    }
  }
}

/** Runs the schema check and the webhook rules over a set of resources (references resolve within the set). */
export function validateResources(resources: readonly ManifestResource[], catalog: CrdCatalog, folders: readonly string[] = MANIFEST_FOLDERS): ValidationIssue[] {
  const index = new ResourceIndex();
  const issues: ValidationIssue[] = [];
  const duplicates: Array<[ManifestResource, ManifestResource]> = [];
  for (const resource of resources) {
    const earlier = index.add(resource);
    if (earlier) duplicates.push([resource, earlier]);
  }
  for (const resource of resources) {
    const check = new Checker(resource, index, folders);
    const duplicate = duplicates.find(([later]) => later === resource);
    if (duplicate) check.add([], `${check.kind} "${check.name}" is already defined in ${duplicate[1].file} (document ${duplicate[1].document})`);
    if (!check.apiVersion || !check.kind) {
      if (!check.apiVersion) check.add(['apiVersion'], 'missing required field "apiVersion"');
      if (!check.kind) check.add(['kind'], 'missing required field "kind"');
    } else {
      const validate = catalog.validatorFor(check.apiVersion, check.kind);
      if (typeof validate !== 'function') {
        check.add([validate.field], validate.message);
      } else {
        if (!validate(resource.object)) for (const problem of schemaProblems(validate.errors ?? [], resource.object)) check.add(problem.path, problem.message);
        checkWebhookRules(check);
      }
    }
    issues.push(...check.issues);
  }
  return dedupe(issues);
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.file}#${issue.document}#${issue.path}#${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface ValidateManifestsOptions {
  folders?: readonly string[];
  /** CRD files; default: the pinned release from ensureKnativeCrds(). */
  crdFiles?: readonly string[];
  catalog?: CrdCatalog;
}

/** Validates everything `knative/` and `eventing/` (their kustomizations) define. Empty means valid. */
export async function validateManifests(root: string, options: ValidateManifestsOptions = {}): Promise<ValidationIssue[]> {
  const folders = options.folders ?? MANIFEST_FOLDERS;
  const catalog = options.catalog ?? (options.crdFiles ? await CrdCatalog.load(options.crdFiles) : await loadKnativeCrdCatalog());
  const { resources, issues } = await readManifestResources(root, folders);
  return [...issues, ...validateResources(resources, catalog, folders)];
}

function checkWebhookRules(check: Checker): void {
  checkName(check);
  const group = check.apiVersion.includes('/') ? check.apiVersion.slice(0, check.apiVersion.indexOf('/')) : '';
  switch (`${group}|${check.kind}`) {
    case 'serving.knative.dev|Service':
    case 'serving.knative.dev|Configuration':
      checkKnativeService(check);
      break;
    case 'eventing.knative.dev|Broker':
      checkBroker(check);
      break;
    case 'eventing.knative.dev|Trigger':
      checkTrigger(check);
      break;
    case 'eventing.knative.dev|KafkaSink':
      checkKafkaSink(check);
      break;
    case 'sources.knative.dev|SinkBinding':
      checkSinkBinding(check);
      break;
    case 'sources.knative.dev|KafkaSource':
    case 'sources.knative.dev|PingSource':
    case 'sources.knative.dev|ApiServerSource':
    case 'sources.knative.dev|ContainerSource':
      // §6.1 (KafkaSource `spec.sink`: Destination); the other sources share the shape.
      checkDestination(check, ['spec', 'sink']);
      if (isObject(check.at(['spec', 'delivery']))) checkDelivery(check, ['spec', 'delivery']);
      break;
    default:
  }
}

/**
 * Object names. §10: `metadata.name: Bad_Name` passes the schema but the API server rejects it.
 * Every object name is a DNS-1123 subdomain; a Namespace, and a Knative Service (its name becomes
 * the host label `<name>.<ns>.svc…` and the revision prefix, §7.1), must be a DNS-1123 label.
 */
function checkName(check: Checker): void {
  const name = check.at(['metadata', 'name']);
  if (typeof name !== 'string') return; // the schema reports it missing
  const labelOnly = check.kind === 'Namespace' || check.apiVersion.startsWith('serving.knative.dev/');
  if (labelOnly ? !DNS1123_LABEL.test(name) || name.length > 63 : !DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    check.add(['metadata', 'name'], `"${name}" is not a valid name: must be a DNS-1123 ${labelOnly ? 'label' : 'subdomain'} (lowercase alphanumerics and '-'${labelOnly ? ', at most 63 characters' : " or '.'"}, starting and ending with an alphanumeric)`);
  }
}

// ----- Serving ----------------------------------------------------------------------------------

/** §7.5: the runtime contract's variables; the webhook refuses user values for them. */
const RESERVED_ENV = new Set(['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION']);
/** §7.5: queue-proxy and profiling ports. */
const RESERVED_PORTS = new Set([8012, 8013, 8022, 9090, 9091, 8008]);
/** §7.1: the port name selects the protocol. */
const PORT_NAMES = new Set(['', 'http1', 'h2c']);
const DEFAULT_USER_PORT = 8080;
/** §7.3: `container-concurrency-max-limit`. */
const CONTAINER_CONCURRENCY_MAX = 1000;
/** §7.3: `max-revision-timeout-seconds` (defaults). */
const MAX_REVISION_TIMEOUT_SECONDS = 600;

function checkKnativeService(check: Checker): void {
  // §7.2: autoscaling annotations belong on the template; on the Service itself the webhook rejects them.
  for (const key of Object.keys(check.annotations())) {
    if (key.startsWith('autoscaling.knative.dev/')) check.add(['metadata', 'annotations', key], 'autoscaling annotations must be put under "spec.template.metadata.annotations" to work');
  }
  const template = ['spec', 'template'];
  checkAutoscalingAnnotations(check, [...template, 'metadata', 'annotations']);
  const spec = [...template, 'spec'];

  // §7.3: containerConcurrency 0 (unlimited) .. container-concurrency-max-limit (1000).
  const concurrency = check.at([...spec, 'containerConcurrency']);
  if (typeof concurrency === 'number' && (concurrency < 0 || concurrency > CONTAINER_CONCURRENCY_MAX)) {
    check.add([...spec, 'containerConcurrency'], `expected 0 <= ${concurrency} <= ${CONTAINER_CONCURRENCY_MAX}`);
  }
  // §7.3: timeoutSeconds ≤ max-revision-timeout-seconds (600). The webhook skips an explicit 0
  // (then the 300 s default applies); we ask for 1..600 and leaving the field out for the default.
  const timeout = check.at([...spec, 'timeoutSeconds']);
  if (typeof timeout === 'number' && (timeout < 1 || timeout > MAX_REVISION_TIMEOUT_SECONDS)) {
    check.add([...spec, 'timeoutSeconds'], `expected 1 <= ${timeout} <= ${MAX_REVISION_TIMEOUT_SECONDS} (max-revision-timeout-seconds)`);
  }

  const containers = check.at([...spec, 'containers']);
  if (!Array.isArray(containers)) return; // the schema requires it
  if (containers.length === 0) check.add([...spec, 'containers'], 'at least one container is required');
  // §7.1: one container serves traffic: the one that declares ports (the only one, when alone).
  const withPorts = containers.map((c, i) => (isObject(c) && Array.isArray(c['ports']) && c['ports'].length > 0 ? i : -1)).filter((i) => i >= 0);
  if (containers.length > 1 && withPorts.length !== 1) check.add([...spec, 'containers'], `exactly one container must declare ports (the one that receives traffic); ${withPorts.length} do`);
  const userIndex = containers.length === 1 ? 0 : (withPorts[0] ?? -1);
  const names = new Set<string>();
  containers.forEach((container, i) => {
    if (!isObject(container)) return;
    const at = [...spec, 'containers', i];
    // §10: "container without image" passes the schema; the webhook rejects it (§7.1: image is the revision).
    if (typeof container['image'] !== 'string' || container['image'].trim() === '') check.add([...at, 'image'], 'missing field: image (every container needs an image)');
    if (typeof container['name'] === 'string') {
      if (container['name'] === 'queue-proxy') check.add([...at, 'name'], '"queue-proxy" is a reserved container name');
      if (names.has(container['name'])) check.add([...at, 'name'], `duplicate container name "${container['name']}"`);
      names.add(container['name']);
    }
    // §7.5: PORT, K_SERVICE, K_CONFIGURATION, K_REVISION are set by Knative; users may not set them (sidecars may set PORT).
    if (Array.isArray(container['env'])) {
      container['env'].forEach((env, j) => {
        const name = isObject(env) ? env['name'] : undefined;
        if (typeof name === 'string' && RESERVED_ENV.has(name) && !(name === 'PORT' && i !== userIndex)) {
          check.add([...at, 'env', j, 'name'], `"${name}" is a reserved environment variable (Knative sets it, §7.5)`);
        }
      });
    }
    const port = checkContainerPorts(check, container, at, i === userIndex);
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      if (isObject(container[probe])) checkProbe(check, container[probe], [...at, probe], i === userIndex ? port : undefined, probe === 'readinessProbe');
    }
  });
}

/** §7.1/§7.5: at most one port on the serving container, named '', http1 or h2c, TCP, not a reserved port. Returns it. */
function checkContainerPorts(check: Checker, container: Json, at: Segment[], isUserContainer: boolean): { number: number; name: string } | undefined {
  const ports = Array.isArray(container['ports']) ? container['ports'] : [];
  if (!isUserContainer) return undefined;
  if (ports.length > 1) check.add([...at, 'ports'], 'more than one container port is set (Knative routes to exactly one)');
  const first = ports[0];
  if (!isObject(first)) return { number: DEFAULT_USER_PORT, name: '' };
  const number = typeof first['containerPort'] === 'number' ? first['containerPort'] : DEFAULT_USER_PORT;
  const name = typeof first['name'] === 'string' ? first['name'] : '';
  if (RESERVED_PORTS.has(number)) check.add([...at, 'ports', 0, 'containerPort'], `${number} is a reserved port (queue-proxy / profiling), please use a different value`);
  if (!PORT_NAMES.has(name)) check.add([...at, 'ports', 0, 'name'], `port name "${name}" is not allowed: must be empty, "http1" or "h2c"`);
  if (typeof first['protocol'] === 'string' && first['protocol'] !== 'TCP') check.add([...at, 'ports', 0, 'protocol'], `protocol "${first['protocol']}" is not allowed: only TCP`);
  return { number, name };
}

/** §7.5: one handler; on the serving container the probe port may only repeat the container port (the queue-proxy probes it). */
function checkProbe(check: Checker, probe: Json, at: Segment[], userPort: { number: number; name: string } | undefined, readiness: boolean): void {
  const handlers = ['httpGet', 'tcpSocket', 'exec', 'grpc'].filter((h) => probe[h] !== undefined);
  if (handlers.length === 0) check.add(at, 'expected exactly one, got neither: httpGet, tcpSocket, exec, grpc');
  if (handlers.length > 1) check.add(at, `expected exactly one, got both: ${handlers.join(', ')}`);
  for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
    const action = probe[handler];
    if (!isObject(action)) continue;
    const port = action['port'];
    if (userPort) {
      const differs = (typeof port === 'number' && port !== userPort.number) || (typeof port === 'string' && port !== userPort.name);
      if (differs) check.add([...at, handler, 'port'], `probe port ${JSON.stringify(port)} must match the container port (${userPort.number}${userPort.name ? `, "${userPort.name}"` : ''}) or be left out`);
    } else if (port === undefined || port === 0 || port === '') {
      check.add([...at, handler, 'port'], 'probe port must be specified on a container that does not receive traffic');
    }
  }
  // periodSeconds 0 = Knative's aggressive readiness probing: thresholds are not allowed with it.
  if (readiness && probe['periodSeconds'] === 0) {
    for (const field of ['failureThreshold', 'timeoutSeconds']) {
      if (typeof probe[field] === 'number' && probe[field] !== 0) check.add([...at, field], `${field} is disallowed when periodSeconds is zero`);
    }
  }
}

const AUTOSCALING = 'autoscaling.knative.dev';
const KPA = `kpa.${AUTOSCALING}`;
const HPA = `hpa.${AUTOSCALING}`;

/**
 * §7.2 autoscaling annotations, as serving's annotation_validation.go checks them (keys with
 * their legacy camelCase spellings). Only the template's annotations are read by the autoscaler.
 */
function checkAutoscalingAnnotations(check: Checker, path: Segment[]): void {
  const annotations = check.annotations(path.slice(0, -1));
  const get = (...names: string[]): [string, string] | undefined => {
    for (const name of names) {
      const key = `${AUTOSCALING}/${name}`;
      if (annotations[key] !== undefined) return [key, annotations[key]];
    }
    return undefined;
  };
  const bad = (key: string, message: string) => check.add([...path, key], message);
  const float = (entry: [string, string] | undefined): number | undefined => {
    if (!entry) return undefined;
    const value = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(entry[1].trim()) ? Number(entry[1]) : Number.NaN;
    if (Number.isNaN(value)) bad(entry[0], `invalid value "${entry[1]}": must be a number`);
    return Number.isNaN(value) ? undefined : value;
  };
  const intAtLeastZero = (entry: [string, string] | undefined): number | undefined => {
    if (!entry) return undefined;
    if (!/^[-+]?\d+$/.test(entry[1])) {
      bad(entry[0], `invalid value "${entry[1]}": must be a whole number`);
      return undefined;
    }
    const value = Number(entry[1]);
    if (value < 0 || value > 2 ** 31 - 1) {
      bad(entry[0], `expected 0 <= ${entry[1]} <= 2147483647`);
      return undefined;
    }
    return value;
  };
  const goDuration = (entry: [string, string] | undefined, min: number, max: number, wholeSeconds: boolean): void => {
    if (!entry) return;
    const ns = parseGoDuration(entry[1]);
    if (ns === undefined) bad(entry[0], `invalid value "${entry[1]}": must be a duration such as 30s or 1m30s`);
    else if (ns < min || ns > max) bad(entry[0], `expected ${min / SECOND_NS}s <= ${entry[1]} <= ${max / SECOND_NS}s`);
    else if (wholeSeconds && ns % SECOND_NS !== 0) bad(entry[0], `"${entry[1]}" must be specified with at most second precision`);
  };

  const klass = get('class');
  if (klass && klass[1].endsWith(AUTOSCALING) && klass[1] !== KPA && klass[1] !== HPA) bad(klass[0], `invalid value "${klass[1]}": must be ${KPA} or ${HPA}`);

  const min = intAtLeastZero(get('min-scale', 'minScale'));
  const maxEntry = get('max-scale', 'maxScale');
  const max = intAtLeastZero(maxEntry);
  // max-scale 0 means unlimited (§7.2).
  if (min !== undefined && max !== undefined && max !== 0 && max < min) bad(maxEntry![0], `max-scale=${max} is less than min-scale=${min}`);

  const activation = get('activation-scale');
  if (activation) {
    const value = /^[-+]?\d+$/.test(activation[1]) ? Number(activation[1]) : undefined;
    if (value === undefined) bad(activation[0], `invalid value "${activation[1]}": must be a whole number`);
    else if (value < 2) bad(activation[0], `activation-scale=${value} must be greater than 1`);
    else if (min !== undefined && min > value) bad(activation[0], `min-scale=${min} is greater than activation-scale=${value}`);
    else if (max !== undefined && max !== 0 && max < value) bad(activation[0], `max-scale=${max} is less than activation-scale=${value}`);
  }

  const initial = get('initial-scale', 'initialScale');
  if (initial) {
    const value = /^[-+]?\d+$/.test(initial[1]) ? Number(initial[1]) : undefined;
    if (value === undefined) bad(initial[0], `invalid value "${initial[1]}": must be a whole number`);
    else if (value < 0) bad(initial[0], `initial-scale=${value} must be at least 0`);
    else if (value === 0) bad(initial[0], 'initial-scale=0 is only allowed when the cluster sets allow-zero-initial-scale: "true" (default false)');
  }

  const target = float(get('target'));
  if (target !== undefined && target < 0.01) bad(`${AUTOSCALING}/target`, `target ${target} should be at least 0.01`);
  const utilization = get('target-utilization-percentage', 'targetUtilizationPercentage');
  const utilizationValue = float(utilization);
  if (utilizationValue !== undefined && (utilizationValue < 1 || utilizationValue > 100)) bad(utilization![0], `expected 1 <= ${utilizationValue} <= 100`);
  const burst = get('target-burst-capacity', 'targetBurstCapacity');
  const burstValue = float(burst);
  if (burstValue !== undefined && burstValue < 0 && burstValue !== -1) bad(burst![0], `invalid value "${burst![1]}": must be >= 0, or -1 (always in path)`);
  const panicWindow = get('panic-window-percentage', 'panicWindowPercentage');
  const panicWindowValue = float(panicWindow);
  if (panicWindowValue !== undefined && (panicWindowValue < 1 || panicWindowValue > 100)) bad(panicWindow![0], `expected 1 <= ${panicWindowValue} <= 100`);
  const panicThreshold = get('panic-threshold-percentage', 'panicThresholdPercentage');
  const panicThresholdValue = float(panicThreshold);
  if (panicThresholdValue !== undefined && (panicThresholdValue < 110 || panicThresholdValue > 1000)) bad(panicThreshold![0], `expected 110 <= ${panicThresholdValue} <= 1000`);

  goDuration(get('window'), 6 * SECOND_NS, HOUR_NS, true);
  goDuration(get('scale-to-zero-pod-retention-period', 'scaleToZeroPodRetentionPeriod'), 0, HOUR_NS, false);
  goDuration(get('scale-down-delay', 'scaleDownDelay'), 0, HOUR_NS, true);

  // metric: KPA takes concurrency | rps; HPA any non-empty metric (cpu, memory, custom). KPA is the default class.
  const metric = get('metric');
  if (metric) {
    const classValue = klass?.[1] ?? KPA;
    if (classValue === KPA && metric[1] !== 'concurrency' && metric[1] !== 'rps') bad(metric[0], `invalid value "${metric[1]}": the KPA class takes concurrency or rps`);
    if (classValue === HPA && metric[1] === '') bad(metric[0], 'invalid value "": the HPA class needs a metric (cpu, memory, …)');
  }
  const algorithm = get('metric-aggregation-algorithm', 'metricAggregationAlgorithm');
  if (algorithm && (klass?.[1] ?? KPA) === KPA && !['linear', 'weighted-exponential', 'weightedExponential'].includes(algorithm[1])) {
    bad(algorithm[0], `invalid value "${algorithm[1]}": must be linear or weighted-exponential`);
  }
}

// ----- Eventing ---------------------------------------------------------------------------------

const BROKER_CLASS = 'eventing.knative.dev/broker.class';
const KAFKA_BROKER_CLASSES = new Set(['Kafka', 'KafkaNamespaced']);
const DELIVERY_ORDER = 'kafka.eventing.knative.dev/delivery.order';
/** §2: filter attribute names. */
const ATTRIBUTE_NAME = /^[a-z][a-z0-9]*$/;

function checkBroker(check: Checker): void {
  // §5.1 / EV broker_validation.go: the class annotation is required (case-sensitive value; Kafka here).
  const brokerClass = check.annotations()[BROKER_CLASS];
  if (!brokerClass) check.add(['metadata', 'annotations', BROKER_CLASS], `missing field: the broker class annotation "${BROKER_CLASS}" (e.g. Kafka)`);

  // §3.3: without spec.config / spec.delivery the webhook fills them in from config-br-defaults
  // (retry 10, config-br-default-channel): always set both on a Kafka Broker.
  const config = check.at(['spec', 'config']);
  if (config === undefined) {
    check.add(['spec', 'config'], 'must be set: left out, the webhook defaults it from config-br-defaults (§3.3); point it at the kafka-broker-config ConfigMap');
  } else if (isObject(config)) {
    const at = ['spec', 'config'];
    for (const field of ['apiVersion', 'kind', 'name']) if (isMissing(config[field])) check.add([...at, field], `missing field: ${field}`);
    // §5.1 / EKB broker_validation.go: a Kafka broker's config is a ConfigMap (kind compared case-insensitively).
    if (brokerClass && KAFKA_BROKER_CLASSES.has(brokerClass) && typeof config['kind'] === 'string' && config['kind'].toLowerCase() !== 'configmap') {
      check.add([...at, 'kind'], `invalid value "${config['kind']}": Expected ConfigMap`);
    }
    if (brokerClass === 'KafkaNamespaced' && typeof config['namespace'] === 'string' && config['namespace'] !== '' && config['namespace'] !== check.resource.namespace) {
      check.add([...at, 'namespace'], 'Expected ConfigMap in same namespace with broker resource (KafkaNamespaced)');
    }
    if (typeof config['kind'] === 'string' && typeof config['name'] === 'string' && config['name'] !== '') {
      check.resolve(at, { apiVersion: typeof config['apiVersion'] === 'string' ? config['apiVersion'] : 'v1', kind: config['kind'], name: config['name'], namespace: typeof config['namespace'] === 'string' ? config['namespace'] : undefined });
    }
  }
  const delivery = check.at(['spec', 'delivery']);
  if (delivery === undefined) check.add(['spec', 'delivery'], 'must be set: left out, the webhook defaults it from config-br-defaults (retry 10, exponential, PT0.2S; §3.3)');
  else checkDelivery(check, ['spec', 'delivery']);
}

/** §3: DeliverySpec as EV delivery_types.go Validate checks it. */
function checkDelivery(check: Checker, at: Segment[]): void {
  const delivery = check.at(at);
  if (!isObject(delivery)) return;
  if (typeof delivery['retry'] === 'number' && delivery['retry'] < 0) check.add([...at, 'retry'], `invalid value: ${delivery['retry']} (must be >= 0)`);
  const policy = delivery['backoffPolicy'];
  if (typeof policy === 'string' && policy !== 'linear' && policy !== 'exponential') check.add([...at, 'backoffPolicy'], `invalid value "${policy}": must be linear or exponential`);
  const delay = delivery['backoffDelay'];
  if (typeof delay === 'string' && !parseIsoDuration(delay)) check.add([...at, 'backoffDelay'], `invalid value "${delay}": must be an ISO-8601 duration such as PT0.2S or PT1S`);
  const timeout = delivery['timeout'];
  if (typeof timeout === 'string') {
    const parsed = parseIsoDuration(timeout);
    if (!parsed || parsed.zero) check.add([...at, 'timeout'], `invalid value "${timeout}": must be a non-zero ISO-8601 duration such as PT30S`);
  }
  // §3: the delivery-retryafter feature is disabled by default, and then the webhook disallows the field.
  if (delivery['retryAfterMax'] !== undefined) check.add([...at, 'retryAfterMax'], 'disallowed: needs the delivery-retryafter feature, which is disabled by default (and the Kafka broker ignores Retry-After)');
  const format = delivery['format'];
  if (typeof format === 'string' && format !== 'json' && format !== 'binary') check.add([...at, 'format'], `invalid value "${format}": must be json or binary`);
  if (delivery['deadLetterSink'] !== undefined) checkDestination(check, [...at, 'deadLetterSink']);
}

/**
 * §2 (`spec.subscriber`), §3 (`deadLetterSink`), §6.2 (`spec.sink`): a Destination has a `ref`, a
 * `uri`, or both (then the uri is a path relative to the ref's URL); knative.dev/pkg
 * Destination.Validate. A ref must name a resource defined in the folders.
 */
function checkDestination(check: Checker, at: Segment[]): void {
  const destination = check.at(at);
  if (!isObject(destination)) {
    check.add(at, 'expected at least one, got none: ref, uri');
    return;
  }
  const { ref, uri } = destination;
  if (ref === undefined && uri === undefined) {
    check.add(at, 'expected at least one, got none: ref, uri');
    return;
  }
  const absolute = typeof uri === 'string' && isAbsoluteUrl(uri);
  if (ref !== undefined && absolute) check.add([...at, 'uri'], 'Absolute URI is not allowed when Ref or [apiVersion, kind, name] is present');
  if (ref === undefined && typeof uri === 'string' && !absolute) check.add([...at, 'uri'], `invalid value "${uri}": Relative URI is not allowed when Ref and [apiVersion, kind, name] is absent`);
  if (isObject(ref)) {
    for (const field of ['apiVersion', 'kind', 'name']) if (isMissing(ref[field])) check.add([...at, 'ref', field], `missing field: ${field}`);
    if (['apiVersion', 'kind', 'name'].every((field) => typeof ref[field] === 'string' && ref[field] !== '')) {
      check.resolve([...at, 'ref'], { apiVersion: ref['apiVersion'] as string, kind: ref['kind'] as string, name: ref['name'] as string, namespace: typeof ref['namespace'] === 'string' ? ref['namespace'] : undefined });
    }
  }
}

/** Absent or empty; a value of the wrong type is left to the schema check, which reports it. */
const isMissing = (value: unknown): boolean => value === undefined || value === null || value === '';

function isAbsoluteUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol !== '' && url.host !== '';
  } catch {
    return false;
  }
}

function checkTrigger(check: Checker): void {
  const spec = ['spec'];
  // §2: one of broker / brokerRef; brokerRef.namespace only with cross-namespace-event-links (off by default).
  const broker = check.at([...spec, 'broker']);
  const brokerRef = check.at([...spec, 'brokerRef']);
  const hasBroker = typeof broker === 'string' && broker !== '';
  if (!hasBroker && brokerRef === undefined) check.add([...spec, 'broker'], 'missing field: broker (the Broker this Trigger subscribes to)');
  if (hasBroker && brokerRef !== undefined) check.add([...spec], 'expected exactly one, got both: broker, brokerRef');
  if (isObject(brokerRef) && typeof brokerRef['namespace'] === 'string' && brokerRef['namespace'] !== '') {
    check.add([...spec, 'brokerRef', 'namespace'], 'disallowed: only name, apiVersion and kind are supported fields when feature.CrossNamespaceEventLinks is disabled');
  }
  if (hasBroker) check.resolve([...spec, 'broker'], { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: broker });
  else if (isObject(brokerRef) && typeof brokerRef['name'] === 'string') check.resolve([...spec, 'brokerRef'], { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: brokerRef['name'] });

  // §2: legacy filter.attributes: exact match; keys ^[a-z][a-z0-9]*$; values strings ('' = any).
  const attributes = check.at([...spec, 'filter', 'attributes']);
  if (isObject(attributes)) {
    for (const [name, value] of Object.entries(attributes)) {
      const at = [...spec, 'filter', 'attributes', name];
      if (!ATTRIBUTE_NAME.test(name)) check.add(at, `invalid key name "${name}": Attribute name must start with a letter and can only contain lowercase alphanumeric`);
      if (typeof value !== 'string') check.add(at, `must be string (got ${describe(value)})`);
    }
  }
  const filters = check.at([...spec, 'filters']);
  if (Array.isArray(filters)) filters.forEach((filter, i) => checkFilter(check, filter, [...spec, 'filters', i]));

  // §2: Kafka-specific annotation, ordered | unordered (case-insensitive).
  const order = check.annotations()[DELIVERY_ORDER];
  if (order !== undefined && !['ordered', 'unordered'].includes(order.toLowerCase())) {
    check.add(['metadata', 'annotations', DELIVERY_ORDER], `invalid value "${order}": must be ordered or unordered`);
  }
  checkDestination(check, [...spec, 'subscriber']);
  if (check.at([...spec, 'delivery']) !== undefined) checkDelivery(check, [...spec, 'delivery']);
}

const FILTER_DIALECTS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not', 'cesql'] as const;

/**
 * §2 `spec.filters`: each element sets one dialect ("multiple dialects found, filters can have
 * only one dialect set", EV ValidateOneOf). The webhook lets an element with no dialect through;
 * it would match every event, so we reject it too (exactly one). exact/prefix/suffix are maps of
 * attribute name (^[a-z][a-z0-9]*$) to a non-empty string; all/any hold nested filters, not one.
 * The nested levels are `x-kubernetes-preserve-unknown-fields` in the CRD, so this also catches
 * unknown keys there (the webhook's strict decoding would).
 */
function checkFilter(check: Checker, filter: unknown, at: Segment[]): void {
  if (!isObject(filter)) {
    check.add(at, `must be object (got ${describe(filter)})`);
    return;
  }
  for (const key of Object.keys(filter)) if (!(FILTER_DIALECTS as readonly string[]).includes(key)) check.add([...at, key], `unknown field "${key}"`);
  const set = FILTER_DIALECTS.filter((dialect) => {
    const value = filter[dialect];
    if (value === undefined || value === null) return false;
    if (Array.isArray(value)) return value.length > 0;
    if (isObject(value)) return dialect === 'not' || Object.keys(value).length > 0;
    return value !== '';
  });
  if (set.length > 1) check.add(at, `multiple dialects found, filters can have only one dialect set (got ${set.join(', ')})`);
  if (set.length === 0) check.add(at, `no dialect set: a filter needs exactly one of ${FILTER_DIALECTS.join(', ')}`);
  for (const dialect of ['exact', 'prefix', 'suffix'] as const) {
    const map = filter[dialect];
    if (map === undefined) continue;
    if (!isObject(map)) {
      check.add([...at, dialect], `must be object (got ${describe(map)})`);
      continue;
    }
    for (const [name, value] of Object.entries(map)) {
      if (!ATTRIBUTE_NAME.test(name)) check.add([...at, dialect, name], `invalid key name "${name}": Attribute name must start with a letter and can only contain lowercase alphanumeric`);
      if (typeof value !== 'string') check.add([...at, dialect, name], `must be string (got ${describe(value)})`);
      else if (value === '') check.add([...at, dialect, name], `empty value: ${dialect} filter values must not be empty`);
    }
  }
  for (const dialect of ['all', 'any'] as const) {
    const list = filter[dialect];
    if (list === undefined) continue;
    if (!Array.isArray(list)) check.add([...at, dialect], `must be array (got ${describe(list)})`);
    else list.forEach((nested, i) => checkFilter(check, nested, [...at, dialect, i]));
  }
  if (filter['not'] !== undefined) checkFilter(check, filter['not'], [...at, 'not']);
  const cesql = filter['cesql'];
  if (cesql !== undefined && typeof cesql !== 'string') check.add([...at, 'cesql'], `must be string (got ${describe(cesql)})`);
  // CESQL syntax itself is parsed by the webhook; that parser is not reproduced here.
}

/** §3.4/§5 (the DLS) and EKB kafka_sink_validation.go. The CRD requires topic and bootstrapServers. */
function checkKafkaSink(check: Checker): void {
  const spec = check.at(['spec']);
  if (!isObject(spec)) return;
  if (spec['topic'] === '') check.add(['spec', 'topic'], 'invalid value "": a topic name is required');
  if (Array.isArray(spec['bootstrapServers']) && spec['bootstrapServers'].length === 0) check.add(['spec', 'bootstrapServers'], 'invalid value []: at least one bootstrap server is required');
  for (const field of ['numPartitions', 'replicationFactor']) {
    const value = spec[field];
    if (typeof value === 'number' && value <= 0) check.add(['spec', field], `invalid value: ${value} (must be > 0)`);
  }
}

/** §6.2: subject {apiVersion, kind, namespace?, name | selector} in the binding's namespace; sink is a Destination. */
function checkSinkBinding(check: Checker): void {
  const at = ['spec', 'subject'];
  const subject = check.at(at);
  if (!isObject(subject)) {
    check.add(at, 'missing field: subject');
  } else {
    for (const field of ['apiVersion', 'kind']) if (isMissing(subject[field])) check.add([...at, field], `missing field: ${field}`);
    const hasName = typeof subject['name'] === 'string' && subject['name'] !== '';
    const hasSelector = subject['selector'] !== undefined;
    if (hasName && hasSelector) check.add(at, 'expected exactly one, got both: name, selector');
    if (!hasName && !hasSelector) check.add(at, 'expected exactly one, got neither: name, selector');
    if (typeof subject['namespace'] === 'string' && subject['namespace'] !== '' && subject['namespace'] !== check.resource.namespace) {
      check.add([...at, 'namespace'], `invalid value "${subject['namespace']}": must be the binding's own namespace`);
    }
    if (hasName && typeof subject['apiVersion'] === 'string' && typeof subject['kind'] === 'string') {
      check.resolve(at, { apiVersion: subject['apiVersion'], kind: subject['kind'], name: subject['name'] as string });
    }
  }
  checkDestination(check, ['spec', 'sink']);
}

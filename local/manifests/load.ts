/**
 * Reads `knative/` and `eventing/` the way `kubectl apply -k` would see them: the resources a
 * kustomization.yaml lists, with its namespace applied. This is the runtime's only description
 * of the system.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import {
  broker,
  configMap,
  kafkaSink,
  kafkaSource,
  knativeService,
  sinkBinding,
  trigger,
  type Broker,
  type ConfigMap,
  type KafkaSink,
  type KafkaSource,
  type KnativeService,
  type SinkBinding,
  type Trigger,
} from './schema.js';

export interface Manifests {
  readonly namespace: string;
  readonly services: KnativeService[];
  readonly brokers: Broker[];
  readonly triggers: Trigger[];
  readonly kafkaSinks: KafkaSink[];
  readonly kafkaSources: KafkaSource[];
  readonly sinkBindings: SinkBinding[];
  readonly configMaps: ConfigMap[];
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

const kustomization = z.object({
  namespace: z.string().optional(),
  resources: z.array(z.string()).min(1),
});

const byKind = {
  Service: knativeService,
  Broker: broker,
  Trigger: trigger,
  KafkaSink: kafkaSink,
  KafkaSource: kafkaSource,
  SinkBinding: sinkBinding,
  ConfigMap: configMap,
} as const;

export async function loadManifests(root: string, folders: readonly string[] = ['knative', 'eventing']): Promise<Manifests> {
  const result: Manifests = { namespace: 'default', services: [], brokers: [], triggers: [], kafkaSinks: [], kafkaSources: [], sinkBindings: [], configMaps: [] };
  let namespace: string | undefined;
  for (const folder of folders) {
    const dir = join(root, folder);
    const kustomize = kustomization.safeParse(parseYaml(await readFile(join(dir, 'kustomization.yaml'), 'utf8'), `${folder}/kustomization.yaml`)[0]);
    if (!kustomize.success) throw new ManifestError(`${folder}/kustomization.yaml: ${kustomize.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    namespace ??= kustomize.data.namespace;
    for (const resource of kustomize.data.resources) {
      const file = `${folder}/${resource}`;
      for (const [index, document] of parseYaml(await readFile(join(dir, resource), 'utf8'), file).entries()) {
        const kind = (document as { kind?: string } | null)?.kind;
        if (!kind || !(kind in byKind)) continue;
        const parsed = byKind[kind as keyof typeof byKind].safeParse(document);
        if (!parsed.success) {
          const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
          throw new ManifestError(`${file} (document ${index + 1}, ${kind}): ${detail}`);
        }
        const value = parsed.data as { metadata: { namespace?: string } };
        value.metadata.namespace = kustomize.data.namespace ?? value.metadata.namespace ?? 'default';
        const list = { Service: result.services, Broker: result.brokers, Trigger: result.triggers, KafkaSink: result.kafkaSinks, KafkaSource: result.kafkaSources, SinkBinding: result.sinkBindings, ConfigMap: result.configMaps }[kind as keyof typeof byKind] as unknown[];
        list.push(value);
      }
    }
  }
  return { ...result, namespace: namespace ?? 'default' };
}

function parseYaml(text: string, file: string): unknown[] {
  const documents = parseAllDocuments(text);
  const docs = Array.isArray(documents) ? documents : [documents];
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new ManifestError(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as unknown;
  }).filter((doc) => doc !== null && doc !== undefined);
}

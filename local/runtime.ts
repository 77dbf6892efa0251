/**
 * The Knative-faithful local runtime: reads `knative/` and `eventing/`, runs each Knative
 * Service as processes behind its own URL (serving/), and the Broker, Triggers, KafkaSink and
 * SinkBinding on a memory or Kafka backend (eventing/). The functions are the deployable code,
 * unchanged; only the env the cluster would inject differs.
 */
import { randomBytes } from 'node:crypto';
import { resolve as resolvePath, join } from 'node:path';
import type { BrokerBackend, StoredEvent, Subscription } from './broker/backend.js';
import { createMemoryBackend } from './broker/memory.js';
import type { BackendLogger } from './broker/partition-dispatcher.js';
import { brokerTopic, triggerGroup } from './broker/names.js';
import { mergeDelivery } from './eventing/delivery.js';
import { startTriggerDispatcher, type DeliveryReport } from './eventing/dispatcher.js';
import { compileTriggerFilter } from './eventing/filters.js';
import { startKafkaSource } from './eventing/kafka-source.js';
import { Ingress } from './eventing/ingress.js';
import { createAdminApi } from './admin.js';
import { startKubeApi } from './kube/api.js';
import { writeKubeconfig } from './kube/kubeconfig.js';
import { selfSignedCertificate, type TlsMaterial } from './kube/tls.js';
import { loadManifests, type Manifests } from './manifests/load.js';
import type { DeliverySpec, Destination } from './manifests/schema.js';
import { projectRoot } from './project.js';
import { assignRevisions } from './serving/revisions.js';
import { ServiceRunner } from './serving/service-runner.js';
import { serviceSettings } from './serving/settings.js';

export type Mode = 'embedded' | 'real';

export interface LocalPipelineOptions {
  readonly mode?: Mode;
  /** The upload service's port (the page and API); 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Broker ingress + admin API port; default port + 1 (or free when port is 0). */
  readonly ingressPort?: number;
  /** Overrides the manifests' namespace (tests use a random one: fresh topics and groups). */
  readonly namespace?: string;
  readonly dataDir?: string;
  readonly bucket?: string;
  /** Replaces each service's stable window + retention as the scale-to-zero idle time. */
  readonly idleMs?: number;
  readonly backend?: BrokerBackend;
  /** Extra env for every function (tests: smaller limits). */
  readonly functionEnv?: Readonly<Record<string, string>>;
  /**
   * Fetch classify's image model (local/infra/models.ts) and give it to the functions as
   * MODEL_DIR. Default true; when it cannot be had (no pip, no network) classify runs without
   * ImageNet labels and the runtime says so.
   */
  readonly models?: boolean;
  /** Deliver every event twice at once: at-least-once at its worst, for exactly-once tests. */
  readonly duplicateDeliveries?: boolean;
  /** Replaces fields of the Broker's spec.delivery (tests: fewer, faster retries). */
  readonly delivery?: Partial<DeliverySpec>;
  readonly log?: (line: string) => void;
  readonly instanceLog?: (line: string, instance: string) => void;
  /**
   * The API token (API_TOKEN): given to every function, so upload's writes need it, required by
   * the Kubernetes API view, and written into the kubeconfig as a bearer token for kn.
   */
  readonly apiToken?: string;
  /** Serve the read-only Kubernetes API view for `kn` and write its kubeconfig (local/kube/). Default true. */
  readonly kubeApi?: boolean;
}

export interface LocalPipeline {
  readonly namespace: string;
  readonly urls: { readonly upload: string; readonly ingress: string; readonly broker: string; readonly kube: string; readonly services: Readonly<Record<string, string>>; readonly minioConsole?: string };
  readonly services: ReadonlyMap<string, ServiceRunner>;
  readonly backend: BrokerBackend;
  readonly manifests: Manifests;
  readonly deadLetterTopic: string | undefined;
  /** `<dataDir>/runtime/kubeconfig` for `kn --kubeconfig`; undefined when kubeApi is false. */
  readonly kubeconfig: string | undefined;
  onReport(listener: (report: DeliveryReport) => void): () => void;
  deadLetters(): Promise<StoredEvent[]>;
  replayDeadLetters(ids?: readonly string[]): Promise<number>;
  status(): unknown;
  stop(): Promise<void>;
}

export async function createLocalPipeline(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  const root = projectRoot();
  const mode = options.mode ?? 'embedded';
  const log = options.log ?? ((line: string) => console.log(line));
  const manifests = await loadManifests(root);
  const namespace = options.namespace ?? manifests.namespace;
  const dataDir = resolvePath(root, options.dataDir ?? '.data');
  const revisions = await assignRevisions(manifests.services, join(dataDir, 'runtime', 'revisions.json'));

  const infra = mode === 'real' ? await startInfra(log, backendLogger(log)) : undefined;
  const backend = options.backend ?? (infra ? await infra.createBackend() : createMemoryBackend());
  const listeners = new Set<(report: DeliveryReport) => void>();
  const services = new Map<string, ServiceRunner>();
  const subscriptions: Subscription[] = [];
  let stopped = false;

  const pipeline: LocalPipeline = {
    namespace,
    urls: { upload: '', ingress: '', broker: '', kube: '', services: {} },
    services,
    backend,
    manifests,
    deadLetterTopic: undefined,
    kubeconfig: undefined,
    onReport(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async deadLetters() {
      if (!pipeline.deadLetterTopic) return [];
      return (await backend.readAll(pipeline.deadLetterTopic)).map((record) => record.event);
    },
    async replayDeadLetters(ids) {
      const letters = await pipeline.deadLetters();
      const chosen = ids ? letters.filter((letter) => ids.includes(letter.id)) : letters;
      for (const letter of chosen) {
        const { knativeerrordest: _d, knativeerrorcode: _c, knativeerrordata: _x, ...original } = letter as StoredEvent & Record<string, unknown>;
        await backend.publish(brokerTopicOf(), original as StoredEvent);
      }
      return chosen.length;
    },
    status() {
      return {
        mode,
        namespace,
        urls: pipeline.urls,
        services: [...services.values()].map((s) => s.status()),
        triggers: manifests.triggers.map((t) => ({ name: t.metadata.name, broker: t.spec.broker, subscriber: t.spec.subscriber.ref?.name ?? t.spec.subscriber.uri })),
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(subscriptions.map((s) => s.close()));
      await Promise.all([...services.values()].map((s) => s.stop()));
      await ingress.stop();
      await backend.close();
    },
  };
  const mutableUrls = pipeline.urls as { upload: string; ingress: string; broker: string; kube: string; services: Record<string, string>; minioConsole?: string };
  if (infra) mutableUrls.minioConsole = infra.consoleUrl;

  const ingress = new Ingress(backend, createAdminApi(pipeline, options.apiToken));
  const basePort = options.port ?? 8080;
  await ingress.start(options.ingressPort ?? (basePort === 0 ? 0 : basePort + 1));
  mutableUrls.ingress = ingress.url;

  const partitionsFor = (configName: string | undefined) => {
    const data = manifests.configMaps.find((c) => c.metadata.name === configName)?.data ?? {};
    return Number(data['default.topic.partitions'] ?? 10);
  };
  for (const broker of manifests.brokers) {
    const topic = brokerTopic(namespace, broker.metadata.name);
    await backend.ensureTopic(topic, partitionsFor(broker.spec.config?.name));
    ingress.routes.set(`/${namespace}/${broker.metadata.name}`, topic);
  }
  for (const sink of manifests.kafkaSinks) {
    const topic = options.namespace ? `${sink.spec.topic}.${namespace}` : sink.spec.topic;
    await backend.ensureTopic(topic, sink.spec.numPartitions ?? 1);
    ingress.routes.set(`/${namespace}/${sink.metadata.name}`, topic);
    (pipeline as { deadLetterTopic: string | undefined }).deadLetterTopic = topic;
  }
  const defaultBroker = manifests.brokers[0];
  mutableUrls.broker = defaultBroker ? `${ingress.url}/${namespace}/${defaultBroker.metadata.name}` : '';
  function brokerTopicOf(): string {
    if (!defaultBroker) throw new Error('no Broker in eventing/');
    return brokerTopic(namespace, defaultBroker.metadata.name);
  }

  const resolveDestination = (destination: Destination): string => {
    if (destination.uri && !destination.ref) return destination.uri;
    const ref = destination.ref!;
    let url: string | undefined;
    if (ref.kind === 'Service') url = services.get(ref.name)?.url;
    else if (ref.kind === 'Broker' || ref.kind === 'KafkaSink') url = `${ingress.url}/${namespace}/${ref.name}`;
    if (!url) throw new Error(`cannot resolve ${ref.kind}/${ref.name}`);
    return destination.uri ? new URL(destination.uri, url).toString() : url;
  };

  const storeEnv: Record<string, string> =
    mode === 'real'
      ? { STORE_DRIVER: 'minio', S3_ENDPOINT: infra!.s3Endpoint, S3_ACCESS_KEY: infra!.accessKey, S3_SECRET_KEY: infra!.secretKey }
      : // The fs store cannot presign: upload signs its own direct-upload URLs, one secret for all its instances.
        { STORE_DRIVER: 'fs', STORE_FS_ROOT: join(dataDir, 'store'), DIRECT_UPLOAD_SECRET: randomBytes(32).toString('hex') };
  const secrets: Record<string, Record<string, string>> = {
    'minio-credentials': { S3_ACCESS_KEY: storeEnv['S3_ACCESS_KEY'] ?? 'minioadmin', S3_SECRET_KEY: storeEnv['S3_SECRET_KEY'] ?? 'minioadmin' },
  };
  const sinkFor = (serviceName: string) => {
    const binding = manifests.sinkBindings.find((b) => b.spec.subject.kind === 'Service' && b.spec.subject.name === serviceName);
    return binding ? resolveDestination(binding.spec.sink) : undefined;
  };

  const modelEnv: Record<string, string> = {};
  if (options.models ?? true) {
    try {
      const { ensureModels } = await import('./infra/models.js');
      modelEnv['MODEL_DIR'] = await ensureModels({ onLine: (line) => log(`models: ${line}`) });
    } catch (error) {
      log(`classify's image model is unavailable, images get no ImageNet labels: ${(error as Error).message}`);
    }
  }
  const command = [process.execPath, join(root, 'dist', 'functions', 'serve.mjs')];
  // Env values naming a Knative Service by its cluster-local address are pointed at the local URL.
  const pendingServiceUrls: Record<string, string>[] = [];
  for (const service of manifests.services) {
    const container = service.spec.template.spec.containers[0]!;
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production' };
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, manifests.configMaps.find((c) => c.metadata.name === from.configMapRef!.name)?.data ?? {});
      if (from.secretRef) Object.assign(env, secrets[from.secretRef.name] ?? {});
    }
    for (const variable of container.env ?? []) if (variable.value !== undefined) env[variable.name] = variable.value;
    pendingServiceUrls.push(env);
    Object.assign(env, storeEnv, modelEnv, options.bucket ? { S3_BUCKET: options.bucket } : {}, options.apiToken ? { API_TOKEN: options.apiToken } : {}, options.functionEnv ?? {});
    const sink = sinkFor(service.metadata.name);
    if (sink) env['K_SINK'] = sink;
    const target = env['FUNCTION_TARGET'] ?? service.metadata.name;
    const settings = serviceSettings(
      service,
      revisions.get(service.metadata.name)!,
      { command: [...command, `--target=${target}`, '--signature-type=http'], env },
      options.idleMs !== undefined ? { idleMs: options.idleMs } : {},
    );
    const runner = new ServiceRunner(settings, options.instanceLog ?? ((line, instance) => log(`[${instance}] ${line}`)), (message) => log(`serving: ${message}`));
    services.set(service.metadata.name, runner);
  }
  // The front door gets the well-known port; everything else a free one.
  for (const [name, runner] of services) {
    await runner.start(name === 'upload' ? basePort : 0);
    mutableUrls.services[name] = runner.url;
  }
  mutableUrls.upload = services.get('upload')?.url ?? '';
  for (const env of pendingServiceUrls) {
    for (const [name, value] of Object.entries(env)) {
      const match = /^https?:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\/?$/.exec(value);
      const local = match && match[2] === manifests.namespace ? services.get(match[1]!)?.url : undefined;
      if (local) env[name] = local;
    }
  }

  for (const trigger of manifests.triggers) {
    const broker = manifests.brokers.find((b) => b.metadata.name === trigger.spec.broker);
    if (!broker) throw new Error(`Trigger ${trigger.metadata.name} names broker ${trigger.spec.broker}, which eventing/ does not define`);
    const order = (trigger.metadata.annotations?.['kafka.eventing.knative.dev/delivery.order'] ?? 'unordered').toLowerCase();
    subscriptions.push(
      await startTriggerDispatcher({
        name: trigger.metadata.name,
        namespace,
        topic: brokerTopic(namespace, broker.metadata.name),
        group: triggerGroup(namespace, trigger.metadata.name),
        ordering: order === 'ordered' ? 'ordered' : 'unordered',
        maxInFlight: 50,
        filter: compileTriggerFilter(trigger),
        subscriberUrl: resolveDestination(trigger.spec.subscriber),
        policy: mergeDelivery({ ...broker.spec.delivery, ...options.delivery }, trigger.spec.delivery),
        backend,
        copies: options.duplicateDeliveries ? 2 : 1,
        resolve: resolveDestination,
        report: (report) => {
          for (const listener of listeners) listener(report);
        },
      }),
    );
  }

  if (infra) {
    const bucket = options.bucket ?? 'files';
    if (manifests.kafkaSources.length > 0) await infra.notifyOnOriginals(bucket);
    for (const source of manifests.kafkaSources) {
      subscriptions.push(
        ...(await startKafkaSource(source, {
          namespace,
          backend,
          resolve: resolveDestination,
          isolated: options.namespace !== undefined,
          ...(options.delivery ? { delivery: options.delivery } : {}),
          report: (report) => {
            for (const listener of listeners) listener(report);
          },
        })),
      );
      log(`KafkaSource ${source.metadata.name}: MinIO notifications for ${bucket}/originals/ → ${resolveDestination(source.spec.sink)}`);
    }
  } else if (manifests.kafkaSources.length > 0) {
    log('KafkaSources (MinIO bucket notifications) run in the real mode only: files reach the embedded store through the API');
  }

  // Inspection (DESIGN.md §5): the read-only Kubernetes API view + the kubeconfig kn reads; stopped before the rest.
  if (options.kubeApi ?? true) {
    // With a token the view serves https (kn's client-go sends a bearer token over TLS only).
    let tls: TlsMaterial | undefined;
    if (options.apiToken) {
      try {
        tls = await selfSignedCertificate();
      } catch (error) {
        log(`kube API view: ${(error as Error).message}; serving http, where kn cannot send the API token`);
      }
    }
    const kubeApi = await startKubeApi(pipeline, { ...(options.apiToken ? { token: options.apiToken } : {}), ...(tls ? { tls } : {}) });
    mutableUrls.kube = kubeApi.url;
    (pipeline as { kubeconfig: string | undefined }).kubeconfig = await writeKubeconfig(join(dataDir, 'runtime', 'kubeconfig'), {
      server: kubeApi.url,
      namespace,
      ...(options.apiToken ? { token: options.apiToken } : {}),
      ...(tls ? { certificate: tls.cert } : {}),
    });
    const stopRest = pipeline.stop.bind(pipeline);
    pipeline.stop = async () => {
      await kubeApi.stop();
      await stopRest();
    };
    log(`kube API view at ${kubeApi.url}: kn --kubeconfig ${pipeline.kubeconfig} service list`);
  }
  return pipeline;
}

/** Broker warnings into the runtime's log, each distinct message at most once per 5 s (an outage repeats them). */
function backendLogger(log: (line: string) => void): BackendLogger {
  const lastSeen = new Map<string, number>();
  const emit = (level: string) => (_fields: object, message?: string) => {
    const key = `${level}:${message}`;
    const now = Date.now();
    if (now - (lastSeen.get(key) ?? 0) < 5000) return;
    lastSeen.set(key, now);
    log(`broker ${level}: ${message ?? ''}`);
  };
  return { error: emit('error'), warn: emit('warn'), info: () => undefined, debug: () => undefined };
}

async function startInfra(log: (line: string) => void, backendLog: BackendLogger) {
  const { ensureInfra } = await import('./infra/index.js');
  const infra = await ensureInfra({ kafka: true, minio: true, log });
  return {
    s3Endpoint: `http://${infra.minio.endPoint}:${infra.minio.port}`,
    accessKey: infra.minio.accessKey,
    secretKey: infra.minio.secretKey,
    consoleUrl: infra.minio.consoleUrl,
    notifyOnOriginals: async (bucket: string) => {
      const { ensureBucketNotification } = await import('./infra/storage-notifications.js');
      await ensureBucketNotification(infra.minio, bucket);
    },
    createBackend: async () => {
      const { createKafkaBackend } = await import('./broker/kafka.js');
      return createKafkaBackend({ brokers: infra.kafka.brokers, log: backendLog });
    },
  };
}

/**
 * The parts of Knative's resources the local runtime acts on, as zod schemas. Unknown fields
 * pass through untouched (the CRD validation issue checks those); what we read must be right.
 */
import { z } from 'zod';

const metadata = z.object({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label'),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const envVar = z.object({ name: z.string(), value: z.string().optional() });
const envFrom = z.object({
  configMapRef: z.object({ name: z.string() }).optional(),
  secretRef: z.object({ name: z.string() }).optional(),
});
const probe = z
  .object({
    httpGet: z.object({ path: z.string().default('/'), port: z.number().int().optional() }).optional(),
    tcpSocket: z.object({ port: z.number().int().optional() }).optional(),
    periodSeconds: z.number().int().positive().optional(),
    failureThreshold: z.number().int().positive().optional(),
    initialDelaySeconds: z.number().int().nonnegative().optional(),
  })
  .loose();

export const knativeService = z.object({
  apiVersion: z.literal('serving.knative.dev/v1'),
  kind: z.literal('Service'),
  metadata,
  spec: z.object({
    template: z.object({
      metadata: z.object({ annotations: z.record(z.string(), z.string()).optional(), labels: z.record(z.string(), z.string()).optional() }).loose().optional(),
      spec: z.object({
        containerConcurrency: z.number().int().nonnegative().optional(),
        timeoutSeconds: z.number().int().positive().max(3600).optional(),
        containers: z
          .array(
            z
              .object({
                name: z.string().optional(),
                image: z.string(),
                env: z.array(envVar).optional(),
                envFrom: z.array(envFrom).optional(),
                ports: z.array(z.object({ containerPort: z.number().int(), name: z.string().optional() }).loose()).optional(),
                readinessProbe: probe.optional(),
              })
              .loose(),
          )
          .min(1),
      }).loose(),
    }),
  }).loose(),
});
export type KnativeService = z.infer<typeof knativeService>;

const destination = z.object({
  ref: z.object({ apiVersion: z.string(), kind: z.string(), name: z.string(), namespace: z.string().optional() }).optional(),
  uri: z.string().optional(),
});
export type Destination = z.infer<typeof destination>;

export const deliverySpec = z
  .object({
    retry: z.number().int().nonnegative().optional(),
    backoffPolicy: z.enum(['linear', 'exponential']).optional(),
    backoffDelay: z.string().optional(),
    timeout: z.string().optional(),
    deadLetterSink: destination.optional(),
  })
  .loose();
export type DeliverySpec = z.infer<typeof deliverySpec>;

export const broker = z.object({
  apiVersion: z.literal('eventing.knative.dev/v1'),
  kind: z.literal('Broker'),
  metadata,
  spec: z.object({ config: z.object({ kind: z.string(), name: z.string() }).loose().optional(), delivery: deliverySpec.optional() }).loose().default({}),
});
export type Broker = z.infer<typeof broker>;

export type SubscriptionsFilter =
  | { exact: Record<string, string> }
  | { prefix: Record<string, string> }
  | { suffix: Record<string, string> }
  | { all: SubscriptionsFilter[] }
  | { any: SubscriptionsFilter[] }
  | { not: SubscriptionsFilter };

const stringMap = z.record(z.string().min(1), z.string().min(1));
export const subscriptionsFilter: z.ZodType<SubscriptionsFilter> = z.lazy(() =>
  z.union([
    z.strictObject({ exact: stringMap }),
    z.strictObject({ prefix: stringMap }),
    z.strictObject({ suffix: stringMap }),
    z.strictObject({ all: z.array(subscriptionsFilter) }),
    z.strictObject({ any: z.array(subscriptionsFilter) }),
    z.strictObject({ not: subscriptionsFilter }),
  ]),
);

export const trigger = z.object({
  apiVersion: z.literal('eventing.knative.dev/v1'),
  kind: z.literal('Trigger'),
  metadata,
  spec: z.object({
    broker: z.string(),
    filter: z.object({ attributes: z.record(z.string(), z.string()).optional() }).optional(),
    filters: z.array(subscriptionsFilter).optional(),
    subscriber: destination,
    delivery: deliverySpec.optional(),
  }).loose(),
});
export type Trigger = z.infer<typeof trigger>;

export const kafkaSink = z.object({
  apiVersion: z.string().startsWith('eventing.knative.dev/'),
  kind: z.literal('KafkaSink'),
  metadata,
  spec: z.object({ topic: z.string(), bootstrapServers: z.array(z.string()).optional(), numPartitions: z.number().int().optional() }).loose(),
});
export type KafkaSink = z.infer<typeof kafkaSink>;

export const kafkaSource = z.object({
  apiVersion: z.string().startsWith('sources.knative.dev/'),
  kind: z.literal('KafkaSource'),
  metadata,
  spec: z.object({
    consumerGroup: z.string().optional(),
    bootstrapServers: z.array(z.string()).min(1),
    topics: z.array(z.string()).min(1),
    initialOffset: z.enum(['earliest', 'latest']).default('latest'),
    ordering: z.enum(['ordered', 'unordered']).default('ordered'),
    delivery: deliverySpec.optional(),
    sink: destination,
  }).loose(),
});
export type KafkaSource = z.infer<typeof kafkaSource>;

export const sinkBinding = z.object({
  apiVersion: z.literal('sources.knative.dev/v1'),
  kind: z.literal('SinkBinding'),
  metadata,
  spec: z.object({
    subject: z.object({ apiVersion: z.string(), kind: z.string(), name: z.string() }).loose(),
    sink: destination,
  }).loose(),
});
export type SinkBinding = z.infer<typeof sinkBinding>;

export const configMap = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata,
  data: z.record(z.string(), z.string()).default({}),
});
export type ConfigMap = z.infer<typeof configMap>;

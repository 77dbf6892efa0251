import { z } from 'zod';
import { InfraConfigError } from './errors.js';
import { type KafkaOptions, type KafkaStatus, ensureKafka, kafkaStatus, stopKafka } from './kafka.js';
import { type MinioEndpoint, type MinioOptions, type MinioStatus, ensureMinio, minioEndpoint, minioStatus, stopMinio } from './minio.js';
import { defaultCacheDir } from './paths.js';
import { minioNotifyEnv } from './storage-notifications.js';
import type { StepTiming, StopResult } from './service.js';

export { InfraError, MissingToolError, PortTakenError, CommandFailedError, ServiceStartError, InfraConfigError } from './errors.js';
export type { MinioEndpoint, KafkaStatus, MinioStatus, StepTiming, StopResult };

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);
const port = (fallback: number) => z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(65535).default(fallback));

/** Every environment variable the infra reads, in one place. */
const InfraEnvSchema = z.object({
  PIPELINE_CACHE_DIR: z.preprocess(emptyAsUnset, z.string().optional()),
  INFRA_KAFKA_PORT: port(19092),
  INFRA_KAFKA_CONTROLLER_PORT: port(19093),
  INFRA_MINIO_PORT: port(19000),
  INFRA_MINIO_CONSOLE_PORT: port(19001),
  MINIO_ROOT_USER: z.preprocess(emptyAsUnset, z.string().min(3, 'must be at least 3 characters').default('minioadmin')),
  MINIO_ROOT_PASSWORD: z.preprocess(emptyAsUnset, z.string().min(8, 'must be at least 8 characters').default('minioadmin')),
});

export interface InfraConfig {
  cacheDir: string;
  host: '127.0.0.1';
  kafka: { port: number; controllerPort: number };
  minio: { port: number; consolePort: number; rootUser: string; rootPassword: string };
}

/** Reads and validates the env; an invalid value throws InfraConfigError naming the variable. */
export function loadInfraConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const parsed = InfraEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new InfraConfigError(`invalid infra environment: ${problems.join('; ')}`);
  }
  const vars = parsed.data;
  return {
    cacheDir: defaultCacheDir(env, vars.PIPELINE_CACHE_DIR),
    host: '127.0.0.1',
    kafka: { port: vars.INFRA_KAFKA_PORT, controllerPort: vars.INFRA_KAFKA_CONTROLLER_PORT },
    minio: {
      port: vars.INFRA_MINIO_PORT,
      consolePort: vars.INFRA_MINIO_CONSOLE_PORT,
      rootUser: vars.MINIO_ROOT_USER,
      rootPassword: vars.MINIO_ROOT_PASSWORD,
    },
  };
}

export interface EnsureInfraOptions {
  /** Start Kafka. Default true. */
  kafka?: boolean;
  /** Start MinIO. Default true. */
  minio?: boolean;
  /** Progress lines (downloads, builds, starts). Default: silent. */
  log?: (line: string) => void;
  /** Extra MinIO server env (e.g. MINIO_NOTIFY_KAFKA_*); used only when MinIO gets started. */
  minioExtraEnv?: Record<string, string>;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ServiceProcess {
  pid: number;
  alreadyRunning: boolean;
  timings: StepTiming[];
}

export interface Infra {
  kafka: { brokers: string[] };
  minio: MinioEndpoint;
  /** What this call found or started; a service not asked for is absent. */
  processes: { kafka?: ServiceProcess; minio?: ServiceProcess };
}

export interface InfraStatus {
  kafka: KafkaStatus;
  minio: MinioStatus;
}

/** Installs (first time) and starts Kafka then MinIO on loopback; a no-op for what already runs. */
export async function ensureInfra(options: EnsureInfraOptions = {}): Promise<Infra> {
  const config = loadInfraConfig(options.env);
  const log = options.log ?? (() => {});
  const processes: Infra['processes'] = {};
  if (options.kafka ?? true) {
    const { pid, alreadyRunning, timings } = await ensureKafka(kafkaOptions(config, log));
    processes.kafka = { pid, alreadyRunning, timings };
  }
  if (options.minio ?? true) {
    const minio = minioOptions(config, log);
    // Bucket notifications go to this Kafka (started or not): MinIO queues them until it is up.
    const notify = minioNotifyEnv([`${config.host}:${config.kafka.port}`], config.cacheDir);
    const { pid, alreadyRunning, timings } = await ensureMinio({ ...minio, extraEnv: { ...notify, ...options.minioExtraEnv } });
    processes.minio = { pid, alreadyRunning, timings };
  }
  return { kafka: { brokers: [`${config.host}:${config.kafka.port}`] }, minio: minioEndpoint(minioOptions(config, log)), processes };
}

/** Stops both servers (MinIO first, it may publish to Kafka); data stays in the cache dir. */
export async function stopInfra(options: { env?: NodeJS.ProcessEnv; only?: 'kafka' | 'minio' } = {}): Promise<{ kafka?: StopResult; minio?: StopResult }> {
  const config = loadInfraConfig(options.env);
  const minio = options.only === 'kafka' ? undefined : await stopMinio(minioOptions(config));
  const kafka = options.only === 'minio' ? undefined : await stopKafka(kafkaOptions(config));
  return { kafka, minio };
}

export async function infraStatus(options: { env?: NodeJS.ProcessEnv } = {}): Promise<InfraStatus> {
  const config = loadInfraConfig(options.env);
  const [kafka, minio] = await Promise.all([kafkaStatus(kafkaOptions(config)), minioStatus(minioOptions(config))]);
  return { kafka, minio };
}

function kafkaOptions(config: InfraConfig, log?: (line: string) => void): KafkaOptions {
  return { cacheDir: config.cacheDir, host: config.host, ...config.kafka, log };
}

function minioOptions(config: InfraConfig, log?: (line: string) => void): MinioOptions {
  return { cacheDir: config.cacheDir, host: config.host, ...config.minio, log };
}

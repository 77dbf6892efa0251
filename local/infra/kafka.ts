import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { InfraError, MissingToolError } from './errors.js';
import { renderLog4jConfig, renderServerProperties } from './kafka-config.js';
import { servicePaths } from './paths.js';
import { assertLoopback } from './probes.js';
import { type ServiceRun, type ServiceSpec, type ServiceStatus, type StopResult, type TimedStep, ensureService, serviceStatus, stopService } from './service.js';
import { requireTool, runStreaming } from './tools.js';

const { Kafka, logLevel } = kafkajs;

export const KAFKA_ARTIFACT = 'org.apache.kafka:kafka_2.13:4.1.1';
const MIN_JAVA_MAJOR = 17;

export interface KafkaOptions {
  cacheDir: string;
  /** Loopback only. Default 127.0.0.1. */
  host?: string;
  /** Client (PLAINTEXT) listener. Default 19092. */
  port?: number;
  /** KRaft controller listener. Default 19093. */
  controllerPort?: number;
  /** Partitions of auto-created topics. Default 3. */
  partitions?: number;
  heapMb?: number;
  startupTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface KafkaRun extends ServiceRun {
  brokers: string[];
}

export interface KafkaStatus extends ServiceStatus {
  brokers: string[];
}

interface KafkaLayout {
  root: string;
  libsDir: string;
  libsMarker: string;
  configDir: string;
  serverProperties: string;
  log4jConfig: string;
  clusterIdFile: string;
  dataDir: string;
  logsDir: string;
}

export async function ensureKafka(options: KafkaOptions): Promise<KafkaRun> {
  const spec = kafkaSpec(options);
  const run = await ensureService(spec);
  return { ...run, brokers: brokersOf(options) };
}

export function stopKafka(options: KafkaOptions): Promise<StopResult> {
  return stopService(kafkaSpec(options));
}

export async function kafkaStatus(options: KafkaOptions): Promise<KafkaStatus> {
  return { ...(await serviceStatus(kafkaSpec(options))), brokers: brokersOf(options) };
}

function brokersOf(options: KafkaOptions): string[] {
  return [`${options.host ?? '127.0.0.1'}:${options.port ?? 19092}`];
}

function kafkaSpec(options: KafkaOptions): ServiceSpec {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 19092;
  const controllerPort = options.controllerPort ?? 19093;
  assertLoopback(host, 'Kafka host');
  const log = options.log ?? (() => {});
  const paths = servicePaths(options.cacheDir, 'kafka');
  const layout: KafkaLayout = {
    root: paths.root,
    libsDir: join(paths.root, 'libs'),
    libsMarker: join(paths.root, 'libs', '.collected'),
    configDir: join(paths.root, 'config'),
    serverProperties: join(paths.root, 'config', 'server.properties'),
    log4jConfig: join(paths.root, 'config', 'log4j2.properties'),
    clusterIdFile: join(paths.root, 'cluster-id'),
    dataDir: paths.dataDir,
    logsDir: paths.logsDir,
  };
  const serverProperties = renderServerProperties({ host, port, controllerPort, dataDir: layout.dataDir, partitions: options.partitions ?? 3 });

  return {
    name: 'Kafka',
    paths,
    logFile: join(layout.logsDir, 'server.log'),
    listens: [
      { host, port },
      { host, port: controllerPort },
    ],
    portTakenHint: 'stop that process or choose other ports with INFRA_KAFKA_PORT / INFRA_KAFKA_CONTROLLER_PORT',
    isOurProcess: (argv) => argv.includes('kafka.Kafka') && argv.includes(layout.serverProperties),
    install: async (timed: TimedStep) => {
      requireJava();
      await timed('collect Kafka jars', () => collectJars(layout, log));
      writeConfig(layout, serverProperties);
      await timed('format Kafka storage', () => formatStorage(layout, log));
    },
    launch: () => ({
      command: 'java',
      args: [
        `-Xmx${options.heapMb ?? 512}m`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${layout.log4jConfig}`,
        `-Dkafka.logs.dir=${layout.logsDir}`,
        '-cp',
        join(layout.libsDir, '*'),
        'kafka.Kafka',
        layout.serverProperties,
      ],
      cwd: layout.root,
      env: process.env,
      logFile: join(layout.logsDir, 'kafka.out'),
    }),
    isReady: () => answersMetadataRequest(`${host}:${port}`),
    startupTimeoutMs: options.startupTimeoutMs ?? 90_000,
    stopGraceMs: 30_000,
    log,
  };
}

function requireJava(): void {
  const version = requireTool('java', ['-version'], 'install a JDK 17+, e.g. `apt-get install openjdk-17-jdk-headless`');
  const major = Number(/version "(\d+)/.exec(version)?.[1]);
  if (!(major >= MIN_JAVA_MAJOR)) {
    throw new MissingToolError('java', `is version ${major || 'unknown'}; Kafka 4.x needs Java ${MIN_JAVA_MAJOR}+`);
  }
}

/** The pom ships in the source tree; compiled code runs from dist/local/infra, sources from local/infra. */
function pomTemplatePath(): string {
  const candidates = ['./kafka/pom.xml', '../../../local/infra/kafka/pom.xml'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new InfraError(`Kafka pom.xml not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** `mvn dependency:copy-dependencies` once per pom content; a marker file records completion. */
async function collectJars(layout: KafkaLayout, log: (line: string) => void): Promise<void> {
  const pomSource = pomTemplatePath();
  const marker = `${KAFKA_ARTIFACT} pom-sha256:${createHash('sha256').update(readFileSync(pomSource)).digest('hex')}\n`;
  if (existsSync(layout.libsMarker) && readFileSync(layout.libsMarker, 'utf8') === marker) return;

  requireTool('mvn', ['-v'], 'install Maven, e.g. `apt-get install maven`');
  log(`Kafka: collecting ${KAFKA_ARTIFACT} and its dependencies with Maven`);
  const pom = join(layout.root, 'pom.xml');
  copyFileSync(pomSource, pom);
  const partial = `${layout.libsDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  await runStreaming({
    command: 'mvn',
    args: ['-q', '-B', '-Dstyle.color=never', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`],
    cwd: layout.root,
    onLine: (line) => log(`Kafka: mvn: ${line}`),
  });
  rmSync(layout.libsDir, { recursive: true, force: true });
  renameSync(partial, layout.libsDir);
  writeFileSync(layout.libsMarker, marker);
}

function writeConfig(layout: KafkaLayout, serverProperties: string): void {
  mkdirSync(layout.configDir, { recursive: true });
  writeFileSync(layout.serverProperties, serverProperties);
  writeFileSync(layout.log4jConfig, renderLog4jConfig(layout.logsDir));
}

/** KRaft storage must be formatted once with a cluster id; skipped when meta.properties exists. */
async function formatStorage(layout: KafkaLayout, log: (line: string) => void): Promise<void> {
  if (existsSync(join(layout.dataDir, 'meta.properties'))) return;
  const clusterId = readOrCreateClusterId(layout.clusterIdFile);
  log(`Kafka: formatting storage in ${layout.dataDir} (cluster id ${clusterId})`);
  await runStreaming({
    command: 'java',
    args: ['-cp', join(layout.libsDir, '*'), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', layout.serverProperties, '--ignore-formatted'],
    cwd: layout.root,
    onLine: (line) => log(`Kafka: ${line}`),
  });
}

/** Kafka cluster ids are 16 random bytes, base64url without padding, not starting with '-'. */
function readOrCreateClusterId(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  let id: string;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  writeFileSync(file, `${id}\n`);
  return id;
}

async function answersMetadataRequest(broker: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'infra-readiness',
    brokers: [broker],
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null) return false;
    // A fresh broker answers metadata before its group coordinator (`__consumer_offsets`) is up;
    // consumers joining in that window get NOT_COORDINATOR, so ready means groups work too.
    await admin.describeGroups(['infra-readiness']);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

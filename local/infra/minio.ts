import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraConfigError } from './errors.js';
import { servicePaths } from './paths.js';
import { assertLoopback } from './probes.js';
import { type ServiceRun, type ServiceSpec, type ServiceStatus, type StopResult, type TimedStep, ensureService, serviceStatus, stopService } from './service.js';
import { requireTool, runStreaming } from './tools.js';

/** Source-only community edition, built with `go install` (see DESIGN.md §6). */
export const MINIO_MODULE = 'github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c';

export interface MinioOptions {
  cacheDir: string;
  /** Loopback only. Default 127.0.0.1. */
  host?: string;
  /** S3 API port. Default 19000. */
  port?: number;
  /** Web console (object browser) port. Default 19001. */
  consolePort?: number;
  /** MINIO_ROOT_USER: the caller passes it from its env (at least 3 characters). */
  rootUser: string;
  /** MINIO_ROOT_PASSWORD: the caller passes it from its env (at least 8 characters). */
  rootPassword: string;
  /** More server env, e.g. MINIO_NOTIFY_KAFKA_*; applies only when this call starts the server. */
  extraEnv?: Record<string, string>;
  startupTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface MinioEndpoint {
  endPoint: string;
  port: number;
  useSSL: false;
  accessKey: string;
  secretKey: string;
  consoleUrl: string;
}

export type MinioRun = ServiceRun & MinioEndpoint;
export type MinioStatus = ServiceStatus & MinioEndpoint;

export async function ensureMinio(options: MinioOptions): Promise<MinioRun> {
  const run = await ensureService(minioSpec(options));
  return { ...run, ...minioEndpoint(options) };
}

export function stopMinio(options: MinioOptions): Promise<StopResult> {
  return stopService(minioSpec(options));
}

export async function minioStatus(options: MinioOptions): Promise<MinioStatus> {
  return { ...(await serviceStatus(minioSpec(options))), ...minioEndpoint(options) };
}

export function minioEndpoint(options: MinioOptions): MinioEndpoint {
  const host = options.host ?? '127.0.0.1';
  return {
    endPoint: host,
    port: options.port ?? 19000,
    useSSL: false,
    accessKey: options.rootUser,
    secretKey: options.rootPassword,
    consoleUrl: `http://${urlHost(host)}:${options.consolePort ?? 19001}`,
  };
}

function minioSpec(options: MinioOptions): ServiceSpec {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 19000;
  const consolePort = options.consolePort ?? 19001;
  assertLoopback(host, 'MinIO host');
  assertCredentials(options);
  const log = options.log ?? (() => {});
  const paths = servicePaths(options.cacheDir, 'minio');
  const binDir = join(paths.root, 'bin');
  const binary = join(binDir, 'minio');
  const consoleLog = join(paths.logsDir, 'minio.log');

  return {
    name: 'MinIO',
    paths,
    logFile: consoleLog,
    listens: [
      { host, port },
      { host, port: consolePort },
    ],
    portTakenHint: 'stop that process or choose other ports with INFRA_MINIO_PORT / INFRA_MINIO_CONSOLE_PORT',
    isOurProcess: (argv) => argv[0] === binary && argv[1] === 'server' && argv.includes(paths.dataDir),
    install: (timed: TimedStep) => timed('build MinIO', () => buildBinary(binDir, binary, log)),
    launch: () => ({
      command: binary,
      args: ['server', paths.dataDir, '--address', `${urlHost(host)}:${port}`, '--console-address', `${urlHost(host)}:${consolePort}`],
      cwd: paths.root,
      env: {
        ...process.env,
        ...options.extraEnv,
        MINIO_ROOT_USER: options.rootUser,
        MINIO_ROOT_PASSWORD: options.rootPassword,
        MINIO_BROWSER: 'on',
        // No network beyond loopback: no update check against dl.min.io, no call-home.
        MINIO_UPDATE: 'off',
        MINIO_CALLHOME_ENABLE: 'off',
      },
      logFile: consoleLog,
    }),
    isReady: () => answersHealthReady(`http://${urlHost(host)}:${port}/minio/health/ready`),
    startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
    stopGraceMs: 15_000,
    log,
  };
}

function assertCredentials({ rootUser, rootPassword }: MinioOptions): void {
  if (rootUser.length < 3) throw new InfraConfigError('MINIO_ROOT_USER must be at least 3 characters (MinIO refuses shorter)');
  if (rootPassword.length < 8) throw new InfraConfigError('MINIO_ROOT_PASSWORD must be at least 8 characters (MinIO refuses shorter)');
}

/** `go install` once; a marker next to the binary records which module version it is. */
async function buildBinary(binDir: string, binary: string, log: (line: string) => void): Promise<void> {
  const marker = join(binDir, '.minio-version');
  if (existsSync(binary) && existsSync(marker) && readFileSync(marker, 'utf8').trim() === MINIO_MODULE) return;

  requireTool('go', ['version'], 'install Go 1.24+ from your distribution or go.dev');
  mkdirSync(binDir, { recursive: true });
  log(`MinIO: building ${MINIO_MODULE} with go install (the first build takes 5-10 minutes)`);
  const progress = throttledProgress(log);
  await runStreaming({
    command: 'go',
    args: ['install', '-v', MINIO_MODULE],
    cwd: binDir,
    env: { ...process.env, GOBIN: binDir },
    onLine: progress,
  });
  writeFileSync(marker, `${MINIO_MODULE}\n`);
  log(`MinIO: built ${binary}`);
}

/** `go install -v` prints one line per package: report a count every few seconds instead. */
function throttledProgress(log: (line: string) => void): (line: string) => void {
  let lines = 0;
  let lastReport = 0;
  return (line) => {
    lines += 1;
    const isProblem = line.startsWith('# ') || /\.go:\d+:/.test(line) || (line.startsWith('go: ') && !line.startsWith('go: downloading'));
    if (isProblem || Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      log(`MinIO: go install: ${lines} packages compiled, latest ${line}`);
    }
  };
}

async function answersHealthReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

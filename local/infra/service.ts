import { mkdirSync, readFileSync } from 'node:fs';
import { InfraError, PortTakenError, ServiceStartError } from './errors.js';
import { withLock } from './lock.js';
import type { ServicePaths } from './paths.js';
import { isPortAnswering, waitFor } from './probes.js';
import {
  type DetachedCommand,
  type StopOutcome,
  isProcessAlive,
  processArgv,
  readPidFile,
  removePidFile,
  residentMemoryKiB,
  spawnDetached,
  stopProcess,
  writePidFile,
} from './processes.js';

export interface StepTiming {
  step: string;
  ms: number;
}

/** Runs one named step and records how long it took. */
export type TimedStep = <T>(step: string, action: () => Promise<T>) => Promise<T>;

export interface ServiceRun {
  pid: number;
  /** True when a ready server of ours was already running and nothing was started. */
  alreadyRunning: boolean;
  timings: StepTiming[];
}

export interface ServiceStatus {
  running: boolean;
  ready: boolean;
  pid?: number;
  rssKiB?: number;
}

export interface StopResult {
  pid?: number;
  outcome: StopOutcome;
}

/** What a long-running local server needs to be installed, started, checked and stopped. */
export interface ServiceSpec {
  name: string;
  paths: ServicePaths;
  /** The log a person should read when start-up fails. */
  logFile: string;
  listens: { host: string; port: number }[];
  /** Appended to the port-taken error, e.g. which variable moves the port. */
  portTakenHint: string;
  isOurProcess(argv: string[]): boolean;
  /** Installs and configures; must be cheap when everything is already in place. */
  install(timed: TimedStep): Promise<void>;
  launch(): DetachedCommand;
  /** A real request to the server (not just an open port). */
  isReady(): Promise<boolean>;
  startupTimeoutMs: number;
  stopGraceMs: number;
  log: (line: string) => void;
}

/** Half an hour: long enough for another caller's first MinIO build to finish. */
const LOCK_TIMEOUT_MS = 30 * 60_000;

/** Idempotent start: no-op when our server is already up; otherwise install, start, wait ready. */
export async function ensureService(spec: ServiceSpec): Promise<ServiceRun> {
  for (const dir of [spec.paths.root, spec.paths.dataDir, spec.paths.logsDir]) mkdirSync(dir, { recursive: true });
  return withLock(spec.paths.lockFile, () => startUnlessRunning(spec), {
    timeoutMs: LOCK_TIMEOUT_MS,
    onWait: (holder) => spec.log(`${spec.name}: waiting for process ${holder}, which is setting it up`),
  });
}

async function startUnlessRunning(spec: ServiceSpec): Promise<ServiceRun> {
  const timings: StepTiming[] = [];
  const timed: TimedStep = async (step, action) => {
    const started = performance.now();
    try {
      return await action();
    } finally {
      timings.push({ step, ms: Math.round(performance.now() - started) });
    }
  };

  const runningPid = ourLivePid(spec);
  if (runningPid !== undefined) {
    await waitUntilReady(spec, runningPid);
    return { pid: runningPid, alreadyRunning: true, timings };
  }
  removePidFile(spec.paths.pidFile);
  await assertPortsFree(spec);
  await spec.install(timed);
  const pid = await timed(`start ${spec.name}`, async () => {
    const started = spawnDetached(spec.launch());
    writePidFile(spec.paths.pidFile, started);
    spec.log(`${spec.name}: started as pid ${started}, waiting until it answers`);
    await waitUntilReady(spec, started);
    return started;
  });
  return { pid, alreadyRunning: false, timings };
}

export async function stopService(spec: ServiceSpec): Promise<StopResult> {
  mkdirSync(spec.paths.root, { recursive: true });
  return withLock(
    spec.paths.lockFile,
    async () => {
      const pid = ourLivePid(spec);
      const outcome = pid === undefined ? 'not-running' : await stopProcess(pid, spec.stopGraceMs);
      removePidFile(spec.paths.pidFile);
      return pid === undefined ? { outcome } : { pid, outcome };
    },
    { timeoutMs: LOCK_TIMEOUT_MS },
  );
}

export async function serviceStatus(spec: ServiceSpec): Promise<ServiceStatus> {
  const pid = ourLivePid(spec);
  if (pid === undefined) return { running: false, ready: false };
  const ready = await spec.isReady().catch(() => false);
  const rssKiB = residentMemoryKiB(pid);
  return rssKiB === undefined ? { running: true, ready, pid } : { running: true, ready, pid, rssKiB };
}

/** The pid from the pid file, if that process is alive and really is our server. */
function ourLivePid(spec: ServiceSpec): number | undefined {
  const pid = readPidFile(spec.paths.pidFile);
  if (pid === undefined || !isProcessAlive(pid)) return undefined;
  const argv = processArgv(pid);
  return argv && spec.isOurProcess(argv) ? pid : undefined;
}

async function assertPortsFree(spec: ServiceSpec): Promise<void> {
  for (const { host, port } of spec.listens) {
    if (await isPortAnswering(host, port)) throw new PortTakenError(spec.name, `${host}:${port}`, spec.portTakenHint);
  }
}

async function waitUntilReady(spec: ServiceSpec, pid: number): Promise<void> {
  try {
    await waitFor(async () => ((await spec.isReady()) ? true : undefined), {
      timeoutMs: spec.startupTimeoutMs,
      intervalMs: 200,
      description: `${spec.name} to answer`,
      abortIf: () => (isProcessAlive(pid) ? undefined : `pid ${pid} exited${lastErrorLine(spec.logFile)}`),
    });
  } catch (error) {
    if (!isProcessAlive(pid)) removePidFile(spec.paths.pidFile);
    if (error instanceof InfraError) throw new ServiceStartError(spec.name, error.message, spec.logFile);
    throw error;
  }
}

/** The last ERROR/FATAL line of a log (else its last line), shortened, as ": <line>". */
function lastErrorLine(logFile: string): string {
  let lines: string[];
  try {
    lines = readFileSync(logFile, 'utf8').split('\n').filter((line) => line.trim());
  } catch {
    return '';
  }
  const line = lines.findLast((l) => /\b(ERROR|FATAL)\b/.test(l)) ?? lines.at(-1);
  return line ? `: ${line.trim().slice(0, 240)}` : '';
}

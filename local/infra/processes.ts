import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { waitFor } from './probes.js';

/** True when `pid` names a running process (a zombie counts as exited). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The argv of a live process, from /proc; undefined when it is gone. */
export function processArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Resident set size in KiB (VmRSS from /proc/<pid>/status). */
export function residentMemoryKiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function readPidFile(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function writePidFile(pidFile: string, pid: number): void {
  writeFileSync(pidFile, `${pid}\n`);
}

export function removePidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

export interface DetachedCommand {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here; the child outlives this Node process. */
  logFile: string;
}

/** Starts a server in its own session, output to a file, not tied to this process. */
export function spawnDetached({ command, args, cwd, env, logFile }: DetachedCommand): number {
  const out = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', out, out] });
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    child.on('error', () => {}); // reported through the readiness check and the log file
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
}

export type StopOutcome = 'not-running' | 'terminated' | 'killed';

/** SIGTERM, wait for the exit, SIGKILL once `graceMs` has passed. */
export async function stopProcess(pid: number, graceMs: number): Promise<StopOutcome> {
  if (!isProcessAlive(pid)) return 'not-running';
  process.kill(pid, 'SIGTERM');
  const exited = await waitFor(async () => (isProcessAlive(pid) ? undefined : true), {
    timeoutMs: graceMs,
    intervalMs: 100,
  }).catch(() => false);
  if (exited) return 'terminated';
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => (isProcessAlive(pid) ? undefined : true), { timeoutMs: 10_000, intervalMs: 100 });
  return 'killed';
}

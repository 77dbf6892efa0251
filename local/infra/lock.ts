import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isProcessAlive } from './processes.js';
import { waitFor } from './probes.js';

/**
 * Runs `action` while holding an exclusive lock file, so two callers (two test files, a test
 * and the CLI) never install or start the same service at the same time. A lock left behind
 * by a dead process is taken over.
 */
export async function withLock<T>(
  lockFile: string,
  action: () => Promise<T>,
  options: { timeoutMs: number; onWait?: (holderPid: number) => void },
): Promise<T> {
  let reportedHolder = false;
  await waitFor(
    async () => {
      if (tryAcquire(lockFile)) return true;
      const holder = lockHolder(lockFile);
      if (holder === undefined || !isProcessAlive(holder)) {
        if (lockHolder(lockFile) === holder) rmSync(lockFile, { force: true });
        return tryAcquire(lockFile) ? true : undefined;
      }
      if (!reportedHolder) options.onWait?.(holder);
      reportedHolder = true;
      return undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 500, description: `lock ${lockFile}` },
  );
  try {
    return await action();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/** Atomic: the lock file appears with its holder's pid already in it, or not at all. */
function tryAcquire(lockFile: string): boolean {
  const candidate = `${lockFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(candidate, `${process.pid}\n`);
  try {
    linkSync(candidate, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(candidate, { force: true });
  }
}

function lockHolder(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

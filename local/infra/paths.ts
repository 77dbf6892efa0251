import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

const CACHE_DIR_NAME = 'knative-file-pipeline';

/**
 * Where the infra scripts keep downloaded jars, built binaries, data and logs: outside the repo,
 * in `$XDG_CACHE_HOME/knative-file-pipeline`, else `~/.cache/knative-file-pipeline`.
 * An explicit override (PIPELINE_CACHE_DIR, read in index.ts) wins.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, override?: string): string {
  if (override) return resolve(override);
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(base, CACHE_DIR_NAME);
}

export interface ServicePaths {
  root: string;
  dataDir: string;
  logsDir: string;
  pidFile: string;
  lockFile: string;
}

/** The per-service layout inside the cache dir: `<cache>/<service>/{data,logs,<service>.pid}`. */
export function servicePaths(cacheDir: string, service: string): ServicePaths {
  const root = join(cacheDir, service);
  return {
    root,
    dataDir: join(root, 'data'),
    logsDir: join(root, 'logs'),
    pidFile: join(root, `${service}.pid`),
    lockFile: join(root, `${service}.lock`),
  };
}

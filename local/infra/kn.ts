/**
 * The real `kn` CLI, built from its Go module into the cache dir once (DESIGN.md §6).
 *
 * `knative.dev/client`'s own go.mod has `replace knative.dev/client/pkg => ./pkg`, so
 * `go install knative.dev/client/cmd/kn@…` refuses it. We build it from a small wrapper module
 * in the cache dir (never in the repo) that requires `knative.dev/client` and the nested module
 * `knative.dev/client/pkg` at the same commit (it has no tags of its own: a pseudo-version).
 *
 * The module proxy reachable here refuses the v0.50.0 pkg pseudo-version (403 "not available"),
 * so a release whose two modules cannot be downloaded falls back to the next one in
 * KN_RELEASES; the first that downloads is built, and the build itself failing is an error.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CommandFailedError, InfraError, MissingToolError } from './errors.js';
import { loadInfraConfig } from './index.js';
import { withLock } from './lock.js';
import { runStreaming } from './tools.js';

export interface KnRelease {
  /** `knative.dev/client` version (its tag). */
  readonly client: string;
  /** `knative.dev/client/pkg` pseudo-version at the same commit. */
  readonly pkg: string;
  /** The Knative release it belongs to. */
  readonly knative: string;
  /** Its go.mod's `go` line: older toolchains cannot build it. */
  readonly go: string;
}

/** Preferred first. v0.50.0 is the release DESIGN.md §6 names; v0.45.0 is the newest pair the proxy serves whole. */
export const KN_RELEASES: readonly KnRelease[] = [
  { client: 'v0.50.0', pkg: 'v0.0.0-20260729124858-e411e8847500', knative: 'knative-v1.23.0', go: '1.25.0' },
  { client: 'v0.45.0', pkg: 'v0.0.0-20250423184323-96721e598f77', knative: 'knative-v1.18.0', go: '1.24.0' },
];

export interface EnsureKnOptions {
  /** Default: the infra cache dir (`$PIPELINE_CACHE_DIR`, `$XDG_CACHE_HOME/knative-file-pipeline`, `~/.cache/…`). */
  readonly cacheDir?: string;
  /** Progress lines (downloads, compile progress). Default: silent. */
  readonly log?: (line: string) => void;
  readonly releases?: readonly KnRelease[];
  readonly env?: NodeJS.ProcessEnv;
}

export class KnBuildError extends InfraError {}

/** Long enough for another process's cold build (several minutes on two cores) to finish. */
const LOCK_TIMEOUT_MS = 60 * 60_000;

/** Path of the kn binary; builds it the first time (minutes), a no-op when it is there. */
export async function ensureKn(options: EnsureKnOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? loadInfraConfig(env).cacheDir;
  const releases = options.releases ?? KN_RELEASES;
  const log = options.log ?? (() => {});
  const root = join(cacheDir, 'kn');
  const binary = join(root, 'bin', 'kn');
  const marker = join(root, 'bin', '.kn-version');
  const built = () => existsSync(binary) && existsSync(marker) && releases.some((r) => markerText(r) === readFileSync(marker, 'utf8').trim());
  if (built()) return binary;

  mkdirSync(join(root, 'bin'), { recursive: true });
  return withLock(
    join(root, 'kn.lock'),
    async () => {
      if (built()) return binary;
      const goEnv = { ...env, GOFLAGS: [env['GOFLAGS'] ?? '', '-mod=mod'].join(' ').trim(), GOTOOLCHAIN: env['GOTOOLCHAIN'] ?? 'local' };
      const goVersion = requireGo(goEnv);
      const refusals: string[] = [];
      for (const release of releases) {
        if (goEnv.GOTOOLCHAIN === 'local' && compareVersions(goVersion, release.go) < 0) {
          refusals.push(`${release.client}: needs Go ${release.go}, found ${goVersion}`);
          log(`kn: ${release.client} needs Go ${release.go} and this is Go ${goVersion}; trying the next release`);
          continue;
        }
        const srcDir = join(root, `src-${release.client}`);
        writeWrapperModule(srcDir, release);
        const missing = await downloadModules(srcDir, release, goEnv);
        if (missing) {
          refusals.push(`${release.client}: ${missing}`);
          log(`kn: ${release.client} (${release.knative}) cannot be downloaded (${missing}); trying the next release`);
          continue;
        }
        const started = Date.now();
        log(`kn: building knative.dev/client/cmd/kn ${release.client} (${release.knative}) in ${srcDir}; the first build takes several minutes`);
        await build(srcDir, release, binary, goEnv, log);
        const version = verify(binary, release);
        writeFileSync(marker, `${markerText(release)}\n`);
        log(`kn: built ${binary} (${(statSync(binary).size / 2 ** 20).toFixed(1)} MiB) in ${((Date.now() - started) / 1000).toFixed(0)} s: ${version}`);
        return binary;
      }
      throw new KnBuildError(`kn: no release of knative.dev/client could be downloaded from the Go module proxy: ${refusals.join('; ')}`);
    },
    { timeoutMs: LOCK_TIMEOUT_MS, onWait: (holder) => log(`kn: waiting for process ${holder}, which is building kn`) },
  );
}

/** The Go toolchain's version (e.g. 1.26.8), or MissingToolError. */
function requireGo(env: NodeJS.ProcessEnv): string {
  const result = spawnSync('go', ['env', 'GOVERSION'], { env, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new MissingToolError('go', `was not found on PATH or does not run (kn is built from its Go source: install Go ${KN_RELEASES.at(-1)?.go ?? '1.24'}+ from your distribution or go.dev)`);
  }
  return result.stdout.trim().replace(/^go/, '').split(/[^0-9.]/)[0] ?? '0';
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map((n) => Number.parseInt(n, 10) || 0));
  for (let i = 0; i < 3; i++) if ((x![i] ?? 0) !== (y![i] ?? 0)) return (x![i] ?? 0) - (y![i] ?? 0);
  return 0;
}

function markerText(release: KnRelease): string {
  return `knative.dev/client@${release.client} knative.dev/client/pkg@${release.pkg}`;
}

/** go.mod requiring both modules, and a tools file importing the command so `go mod tidy` keeps it. */
function writeWrapperModule(dir: string, release: KnRelease): void {
  mkdirSync(dir, { recursive: true });
  const goMod = [
    '// Generated by local/infra/kn.ts: builds the kn CLI (knative.dev/client) outside the repo.',
    'module knative-file-pipeline/kn-build',
    '',
    'go 1.24.0',
    '',
    'require (',
    `\tknative.dev/client ${release.client}`,
    `\tknative.dev/client/pkg ${release.pkg}`,
    ')',
    '',
  ].join('\n');
  const path = join(dir, 'go.mod');
  // Keep a resolved go.mod (tidy adds the indirect requirements) unless the release changed.
  if (!existsSync(path) || !readFileSync(path, 'utf8').includes(`knative.dev/client/pkg ${release.pkg}`)) {
    writeFileSync(path, goMod);
    rmSync(join(dir, 'go.sum'), { force: true });
  }
  writeFileSync(join(dir, 'tools.go'), '//go:build tools\n\npackage tools\n\nimport _ "knative.dev/client/cmd/kn"\n');
}

/** undefined when both modules download; otherwise why not (the proxy's refusal). */
async function downloadModules(dir: string, release: KnRelease, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = spawnSync('go', ['mod', 'download', '-json', `knative.dev/client@${release.client}`, `knative.dev/client/pkg@${release.pkg}`], { cwd: dir, env, encoding: 'utf8' });
  if (result.error) throw new KnBuildError(`kn: could not run go mod download: ${result.error.message}`);
  if (result.status === 0) return undefined;
  const errors = [...`${result.stdout}`.matchAll(/"Error":\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  const detail = (errors.length ? errors.join('; ') : `${result.stderr}`.trim()).replace(/\s+/g, ' ');
  return detail || `go mod download exited ${result.status}`;
}

async function build(dir: string, release: KnRelease, binary: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const progress = throttledProgress(log);
  await runStreaming({ command: 'go', args: ['mod', 'tidy'], cwd: dir, env, onLine: progress });
  const version = 'knative.dev/client/pkg/commands/version';
  const commit = release.pkg.split('-').at(-1) ?? '';
  const ldflags = [`-X ${version}.Version=${release.client}`, `-X ${version}.GitRevision=${commit}`, `-X ${version}.BuildDate=${new Date().toISOString()}`].join(' ');
  const partial = `${binary}.partial`;
  try {
    await runStreaming({ command: 'go', args: ['build', '-v', '-trimpath', '-ldflags', ldflags, '-o', partial, 'knative.dev/client/cmd/kn'], cwd: dir, env, onLine: progress });
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof CommandFailedError) throw new KnBuildError(`kn: ${error.message} (last lines: ${error.outputTail.slice(-5).join(' | ')})`, { cause: error });
    throw error;
  }
  renameSync(partial, binary);
}

/** `kn version` must run and name the release we built. */
function verify(binary: string, release: KnRelease): string {
  const result = spawnSync(binary, ['version'], { encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !output.includes(release.client)) {
    rmSync(binary, { force: true });
    throw new KnBuildError(`kn: the built binary failed \`kn version\` (exit ${result.status}): ${output.trim().split('\n')[0] ?? ''}`);
  }
  return output.split('\n').find((line) => line.startsWith('Version'))?.replace(/\s+/g, ' ').trim() ?? release.client;
}

/** `go build -v` prints one line per package: report a count every few seconds instead. */
function throttledProgress(log: (line: string) => void): (line: string) => void {
  let lines = 0;
  let lastReport = 0;
  return (line) => {
    lines += 1;
    const isProblem = line.startsWith('# ') || /\.go:\d+:/.test(line) || (line.startsWith('go: ') && !line.startsWith('go: downloading') && !line.startsWith('go: finding'));
    if (isProblem || Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      log(`kn: go: ${lines} lines, latest ${line}`);
    }
  };
}

/**
 * The real Knative CRDs (their `openAPIV3Schema`s), for validating the manifests in `knative/` and
 * `eventing/` offline (DESIGN.md §6). They come from the Go modules of one pinned Knative release,
 * fetched with `go mod download` (the Go module proxy, nothing else), and only the CRD files the
 * validator needs are copied into `<cache>/knative-crds/<module>@<version>/`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CommandFailedError, InfraError, MissingToolError } from './errors.js';
import { defaultCacheDir } from './paths.js';
import { requireTool, runStreaming } from './tools.js';

export interface CrdModule {
  /** Go module path. */
  module: string;
  version: string;
  /** CRD files, relative to the module root. */
  files: readonly string[];
}

/**
 * Knative release knative-v1.23 (serving v0.50.0 = knative-v1.23.0, DESIGN.md §6).
 *
 * eventing-kafka-broker is pinned to v0.50.1, its first patch of the same release line: the Go
 * module proxy answers `403 This module version is not available` for v0.50.0 (its .info resolves
 * to tag v0.50.0 = 2dcdd7c, but the .mod/.zip are refused), while v0.50.1 (tag v0.50.1 = 9611fcf)
 * downloads and its go.mod requires knative.dev/eventing v0.50.0 and the same knative.dev/pkg
 * as serving/eventing v0.50.0, i.e. it is built against exactly these two.
 */
export const KNATIVE_CRD_MODULES: readonly CrdModule[] = [
  {
    module: 'knative.dev/serving',
    version: 'v0.50.0',
    files: ['service', 'configuration', 'revision', 'route'].map((name) => `config/core/300-resources/${name}.yaml`),
  },
  {
    module: 'knative.dev/eventing',
    version: 'v0.50.0',
    files: ['broker', 'trigger', 'sinkbindings', 'pingsource', 'apiserversource', 'containersource'].map((name) => `config/core/resources/${name}.yaml`),
  },
  {
    module: 'knative.dev/eventing-kafka-broker',
    version: 'v0.50.1',
    files: [
      'control-plane/config/eventing-kafka-broker/100-sink/100-kafka-sink.yaml',
      'control-plane/config/eventing-kafka-broker/100-source/100-kafka-source.yaml',
    ],
  },
];

export interface KnativeCrds {
  /** `<cache>/knative-crds`. */
  dir: string;
  /** Absolute paths of every copied CRD file. */
  files: string[];
}

export interface EnsureCrdsOptions {
  /** Defaults to the infra cache dir (PIPELINE_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  modules?: readonly CrdModule[];
}

/** What `go mod download -json` prints for one module. */
interface GoModDownload {
  Path?: string;
  Version?: string;
  Dir?: string;
  Sum?: string;
  Error?: string;
  Origin?: { URL?: string; Hash?: string; Ref?: string };
}

const GO_HINT = 'install Go from your distribution or go.dev: the Knative CRDs come from `go mod download`';

/** Written last into each module's folder: present means the copy is complete. */
const MARKER = 'source.json';

/** Fetches (once) and returns the CRD files of every pinned module. */
export async function ensureKnativeCrds(options: EnsureCrdsOptions = {}): Promise<KnativeCrds> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? defaultCacheDir(env, env['PIPELINE_CACHE_DIR'] || undefined);
  const log = options.log ?? (() => {});
  const dir = join(cacheDir, 'knative-crds');
  const files: string[] = [];
  for (const mod of options.modules ?? KNATIVE_CRD_MODULES) {
    const target = join(dir, `${mod.module}@${mod.version}`);
    const wanted = mod.files.map((file) => join(target, crdFileName(file)));
    if (!existsSync(join(target, MARKER)) || !wanted.every((file) => existsSync(file))) {
      await copyModuleCrds(mod, target, env, log);
    }
    files.push(...wanted);
  }
  return { dir, files };
}

/** `config/core/resources/broker.yaml` → `broker.yaml` (they are unique within a module). */
function crdFileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

async function copyModuleCrds(mod: CrdModule, target: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  requireTool('go', ['version'], GO_HINT);
  log(`CRDs: go mod download ${mod.module}@${mod.version}`);
  const download = await goModDownload(`${mod.module}@${mod.version}`, env);
  const moduleDir = download.Dir!;
  // Copy into a fresh sibling folder, then swap it in: a half-written cache is never "present".
  const staging = `${target}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    for (const file of mod.files) {
      const source = join(moduleDir, file);
      if (!existsSync(source)) throw new InfraError(`${mod.module}@${mod.version} has no ${file} (looked in ${moduleDir})`);
      const text = await readFile(source, 'utf8');
      if (!parseAllDocuments(text).some((doc) => (doc.toJS() as { kind?: unknown } | null)?.kind === 'CustomResourceDefinition')) {
        throw new InfraError(`${mod.module}@${mod.version}: ${file} holds no CustomResourceDefinition`);
      }
      // Read + write rather than copyFile: the module cache is read-only and copyFile keeps the mode.
      await writeFile(join(staging, crdFileName(file)), text);
    }
    const source = { module: mod.module, version: mod.version, sum: download.Sum, origin: download.Origin, moduleDir, files: mod.files };
    await writeFile(join(staging, MARKER), `${JSON.stringify(source, null, 2)}\n`);
    await rm(target, { recursive: true, force: true });
    await mkdir(join(target, '..'), { recursive: true });
    try {
      await rename(staging, target);
    } catch (error) {
      // Another process finished the same copy first: theirs is as good as ours.
      if (!existsSync(join(target, MARKER))) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log(`CRDs: ${mod.files.length} file(s) from ${moduleDir}`);
}

/** Runs `go mod download -json <module@version>` and returns its JSON, or throws with its Error. */
async function goModDownload(moduleAtVersion: string, env: NodeJS.ProcessEnv): Promise<GoModDownload> {
  const lines: string[] = [];
  const command = { command: 'go', args: ['mod', 'download', '-json', moduleAtVersion], env: { ...env, GO111MODULE: 'on' }, onLine: (line: string) => lines.push(line) };
  let failure: unknown;
  // Outside any module, so no go.mod of the caller's cwd gets involved.
  await runStreaming({ ...command, cwd: '/' }).catch((error: unknown) => {
    failure = error;
  });
  const parsed = parseDownloadJson(lines);
  if (parsed?.Error) throw new InfraError(`go mod download ${moduleAtVersion} failed: ${parsed.Error.split('\n')[0]}`);
  if (failure instanceof CommandFailedError && failure.outcome === 'spawn error') throw new MissingToolError('go', `could not be started (${failure.outputTail.join(' ')}; ${GO_HINT})`);
  if (failure) throw failure instanceof CommandFailedError ? failure : new InfraError(`go mod download ${moduleAtVersion} failed`, { cause: failure });
  if (!parsed?.Dir || !existsSync(parsed.Dir)) throw new InfraError(`go mod download ${moduleAtVersion} printed no module Dir (output: ${lines.slice(-3).join(' ')})`);
  return parsed;
}

/** Output lines are stdout and stderr together: take the JSON object between the first `{` and the last `}`. */
function parseDownloadJson(lines: string[]): GoModDownload | undefined {
  const start = lines.indexOf('{');
  const end = lines.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(lines.slice(start, end + 1).join('\n')) as GoModDownload;
  } catch {
    return undefined;
  }
}

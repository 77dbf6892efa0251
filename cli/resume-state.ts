/**
 * What lets an interrupted direct upload resume: one small JSON file per local file version
 * (absolute path, size, mtime) holding the upload's id and the API it was started against.
 * A changed file gets a new key, so stale parts are never completed into the wrong bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ResumeState {
  readonly id: string;
  /** The API base URL the upload was created on; another server never resumes it. */
  readonly url: string;
  /** What was asked for (effects, sigma), so a re-run with other options starts afresh. */
  readonly request: string;
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly createdAt: string;
}

export interface LocalFileVersion {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export function resumeStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(cache, 'knative-file-pipeline', 'cli-uploads');
}

export function resumeStateFile(file: LocalFileVersion, env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash('sha256').update(`${resolve(file.path)}\n${file.size}\n${Math.round(file.mtimeMs)}`).digest('hex').slice(0, 32);
  return join(resumeStateDir(env), `${key}.json`);
}

export class ResumeStore {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The saved state, or undefined when there is none or it is unreadable (then it is ignored). */
  async load(file: LocalFileVersion): Promise<ResumeState | undefined> {
    let text: string;
    try {
      text = await readFile(resumeStateFile(file, this.env), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const state = JSON.parse(text) as Partial<ResumeState>;
      if (typeof state.id !== 'string' || typeof state.url !== 'string' || typeof state.request !== 'string') return undefined;
      return state as ResumeState;
    } catch {
      return undefined;
    }
  }

  async save(file: LocalFileVersion, state: Omit<ResumeState, 'path' | 'size' | 'mtimeMs' | 'createdAt'>): Promise<void> {
    const target = resumeStateFile(file, this.env);
    await mkdir(resumeStateDir(this.env), { recursive: true });
    const full: ResumeState = { ...state, path: resolve(file.path), size: file.size, mtimeMs: file.mtimeMs, createdAt: new Date().toISOString() };
    // Written aside then renamed: a crash mid-write never leaves half a state file.
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(full, null, 2)}\n`);
    await rename(temporary, target);
  }

  async remove(file: LocalFileVersion): Promise<void> {
    await rm(resumeStateFile(file, this.env), { force: true });
  }
}

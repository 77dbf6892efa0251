import { spawn, spawnSync } from 'node:child_process';
import { CommandFailedError, MissingToolError } from './errors.js';

/**
 * Runs `<tool> <versionArgs>` and returns what it printed, or throws MissingToolError naming
 * the tool and how to get it.
 */
export function requireTool(tool: string, versionArgs: string[], installHint: string): string {
  const result = spawnSync(tool, versionArgs, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new MissingToolError(tool, `was not found on PATH (${installHint})`);
  }
  return `${result.stdout}${result.stderr}`.trim();
}

export interface StreamingCommand {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Each output line (stdout and stderr), as it arrives. */
  onLine?: (line: string) => void;
}

const TAIL_LINES = 30;

/** Runs a command to completion with no time limit, streaming its lines; rejects on failure. */
export function runStreaming({ command, args, cwd, env, onLine }: StreamingCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const pending = { stdout: '', stderr: '' };
    const emit = (line: string) => {
      const clean = line.replace(/\x1b\[[0-9;]*m/g, '').trimEnd();
      if (!clean) return;
      tail.push(clean);
      if (tail.length > TAIL_LINES) tail.shift();
      onLine?.(clean);
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        const lines = (pending[stream] + chunk).split('\n');
        pending[stream] = lines.pop() ?? '';
        lines.forEach(emit);
      });
    }
    const printable = [command, ...args].join(' ');
    child.once('error', (error) => reject(new CommandFailedError(printable, 'spawn error', [error.message])));
    child.once('close', (code, signal) => {
      emit(pending.stdout);
      emit(pending.stderr);
      if (code === 0) resolve();
      else reject(new CommandFailedError(printable, signal ? `signal ${signal}` : `exit ${code}`, tail));
    });
  });
}

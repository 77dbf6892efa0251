/** Runs the built CLI (dist/cli/main.js) as a child process, the way people and scripts do. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../local/project.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const cliPath = () => join(projectRoot(), 'dist', 'cli', 'main.js');

export function runCli(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath(), ...args], {
      cwd: options.cwd,
      // Only what the test gives, plus PATH/HOME: no PIPELINE_* from the developer's shell leaks in.
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same work without the pipeline: what the hardware can do in one process with sharp. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { freePort } from '../local/net.js';
import { functionsFrameworkMain, projectRoot } from '../local/project.js';
import type { ImageLabeler } from '../functions/classify/labeler.js';
import { encoderOptions } from '../functions/lib/image/open-image.js';
import { pool } from './harness.js';

/**
 * The same work in one process: blur and grayscale of the original (same encoder settings),
 * its metadata, and — with a labeler — classify's models on it, per file.
 */
export async function inProcessThroughput(files: readonly Buffer[], concurrency: number, labeler?: ImageLabeler): Promise<number> {
  const started = performance.now();
  await pool(files, concurrency, async (bytes) => {
    await Promise.all([
      sharp(bytes).rotate().blur(4).jpeg(encoderOptions('jpeg')).toBuffer(),
      sharp(bytes).rotate().grayscale().jpeg(encoderOptions('jpeg')).toBuffer(),
      sharp(bytes).metadata(),
      labeler?.label(bytes),
    ]);
  });
  return files.length / ((performance.now() - started) / 1000);
}

export async function timeProcess(args: string[]): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => spawn(process.execPath, args, { stdio: 'ignore' }).once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))));
  return performance.now() - started;
}

/** Spawn → first 200 from a bare functions-framework function (optionally importing sharp). */
export async function bareFunctionsFrameworkStart(withSharp: boolean): Promise<number> {
  const dir = await mkdtemp(join(projectRoot(), '.bench-ff-'));
  try {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      join(dir, 'index.js'),
      `${withSharp ? "import sharp from 'sharp';\n" : ''}import * as ff from '@google-cloud/functions-framework';\nff.http('bare', (req, res) => res.send(${withSharp ? 'String(typeof sharp)' : "'ok'"}));\n`,
    );
    const port = await freePort();
    const started = performance.now();
    const child = spawn(process.execPath, [functionsFrameworkMain(), '--target=bare', `--source=${join(dir, 'index.js')}`, `--port=${port}`], { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
    try {
      for (;;) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/`);
          await response.arrayBuffer();
          if (response.ok) return performance.now() - started;
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}


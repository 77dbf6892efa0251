#!/usr/bin/env node
/**
 * `npm run kn -- <kn args>`: the real kn CLI (built from its Go module on first use) pointed at
 * the running local pipeline's Kubernetes API view.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKn } from './infra/kn.js';
import { projectRoot } from './project.js';

const kubeconfig = join(projectRoot(), '.data', 'runtime', 'kubeconfig');
if (!existsSync(kubeconfig)) {
  console.error('error: no running pipeline here (start it with `npm start`; it writes .data/runtime/kubeconfig)');
  process.exit(1);
}
const kn = await ensureKn({ log: (line) => console.error(line) });
const child = spawn(kn, ['--kubeconfig', kubeconfig, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));

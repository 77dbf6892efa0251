/**
 * Knative cuts a new Revision (`<service>-00001`, `-00002`, …) whenever a Service's template
 * changes. We do the same: the template's hash is remembered per service in the runtime's
 * state folder, and a different hash bumps the generation.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KnativeService } from '../manifests/schema.js';

interface RevisionState {
  [service: string]: { generation: number; templateHash: string };
}

export async function assignRevisions(services: readonly KnativeService[], stateFile: string): Promise<Map<string, string>> {
  let state: RevisionState = {};
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8')) as RevisionState;
  } catch {
    // first run
  }
  const names = new Map<string, string>();
  for (const service of services) {
    const templateHash = createHash('sha256').update(stableJson(service.spec.template)).digest('hex').slice(0, 16);
    const previous = state[service.metadata.name];
    const generation = !previous ? 1 : previous.templateHash === templateHash ? previous.generation : previous.generation + 1;
    state[service.metadata.name] = { generation, templateHash };
    names.set(service.metadata.name, `${service.metadata.name}-${String(generation).padStart(5, '0')}`);
  }
  await mkdir(dirname(stateFile), { recursive: true });
  await writeFile(stateFile, JSON.stringify(state, null, 2));
  return names;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

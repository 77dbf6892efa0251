/**
 * The kubeconfig the runtime writes for its read-only API view, so `kn --kubeconfig <file>`
 * (or KUBECONFIG=<file> kubectl) talks to the local pipeline: plain http on loopback, no
 * credentials, one context whose namespace is the pipeline's.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export const KUBE_CONTEXT = 'file-pipeline-local';

export interface KubeconfigOptions {
  /** The API view's URL, e.g. http://127.0.0.1:40123. */
  readonly server: string;
  readonly namespace: string;
  /** Cluster, user and context name. Default `file-pipeline-local`. */
  readonly context?: string;
}

export function kubeconfigYaml({ server, namespace, context = KUBE_CONTEXT }: KubeconfigOptions): string {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(server)) throw new Error(`kubeconfig: expected a loopback http URL, got ${server}`);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: context, cluster: { server } }],
    users: [{ name: context, user: {} }],
    contexts: [{ name: context, context: { cluster: context, user: context, namespace } }],
    'current-context': context,
  });
}

/** Writes (atomically, mode 0600) and returns `path`. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, kubeconfigYaml(options), { mode: 0o600 });
  await rename(partial, path);
  return path;
}

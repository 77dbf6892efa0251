/**
 * The kubeconfig the runtime writes for its read-only API view, so `kn --kubeconfig <file>`
 * (or KUBECONFIG=<file> kubectl) talks to the local pipeline: plain http on loopback, one
 * context whose namespace is the pipeline's, and the API token as a bearer token when the
 * runtime has one (the file is written 0600 for that reason).
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
  /** The runtime's API token, sent by kn/kubectl as `Authorization: Bearer` (client-go sends it over https only). */
  readonly token?: string;
  /** The https view's self-signed certificate (PEM), trusted as the cluster's CA. */
  readonly certificate?: string;
}

export function kubeconfigYaml({ server, namespace, context = KUBE_CONTEXT, token, certificate }: KubeconfigOptions): string {
  if (!/^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(server)) throw new Error(`kubeconfig: expected a loopback http(s) URL, got ${server}`);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: context, cluster: { server, ...(certificate ? { 'certificate-authority-data': Buffer.from(certificate).toString('base64') } : {}) } }],
    users: [{ name: context, user: token === undefined ? {} : { token } }],
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

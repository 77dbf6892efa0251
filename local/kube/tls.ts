/**
 * A throw-away self-signed certificate for the Kubernetes API view. client-go (inside kn and
 * kubectl) sends a kubeconfig's bearer token only over TLS, so when the runtime has an API token
 * the view serves https on loopback with this certificate, and the kubeconfig trusts exactly it
 * (certificate-authority-data). Made with the `openssl` CLI, fresh at every start.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
}

export async function selfSignedCertificate(openssl = 'openssl'): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-api-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await new Promise<void>((resolve, reject) => {
      execFile(
        openssl,
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=file-pipeline-local',
          '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile],
        { timeout: 30_000 },
        (error, _stdout, stderr) => (error ? reject(new Error(`openssl could not make a certificate: ${stderr.trim() || error.message}`)) : resolve()),
      );
    });
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A slow client: a raw loopback socket that sends headers and part of a multipart body, then goes silent. */
import { connect } from 'node:net';

/** Sends the headers and the first part of a multipart body, then nothing; resolves with what came back once the server closes. */
export function stalledUpload(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; elapsedMs: number; closed: boolean }> {
  const { hostname, port } = new URL(url);
  const boundary = 'stall-boundary-123';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  const partial = Buffer.concat([Buffer.from(head), Buffer.alloc(6000, 0xff)]);
  const lines = [
    `POST ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    `Content-Type: multipart/form-data; boundary=${boundary}`,
    `Content-Length: ${partial.length + 100_000}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ];
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, body: body.includes('{') ? body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1) : body, elapsedMs: Date.now() - started, closed: true });
    });
    socket.write(lines.join('\r\n'));
    socket.write(partial);
    // ...and then the client says nothing more. The server must answer and close.
    setTimeout(() => socket.destroy(), 20_000).unref();
  });
}


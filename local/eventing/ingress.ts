/**
 * The broker and KafkaSink receiver: `POST /<namespace>/<name>` with a CloudEvent (binary or
 * structured). 202 once the event is stored in the log; 400 not a CloudEvent; 404 no such
 * broker or sink; 405 not POST; 413 over 1 MiB (knative-semantics.md §1.2). Paths under `/-/`
 * are the runtime's own admin API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP, type CloudEvent } from 'cloudevents';
import type { BrokerBackend } from '../broker/backend.js';
import { isTextual, toStored } from './send.js';

/** The Kafka broker's producer max.request.size. */
export const MAX_EVENT_BYTES = 1024 * 1024;

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

export class Ingress {
  /** `/<ns>/<name>` → topic, for brokers and KafkaSinks alike. */
  readonly routes = new Map<string, string>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly backend: BrokerBackend, private readonly admin: AdminHandler) {}

  async start(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((error: Error) => reply(res, 500, error.message)));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/-/')) return this.admin(req, res, path);
    if (req.method === 'GET' && (path === '/healthz' || path === '/readyz')) return reply(res, 200, 'ok');
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST');
      return reply(res, 405, `method ${req.method} not allowed`);
    }
    const topic = this.routes.get(path.replace(/\/$/, ''));
    if (!topic) {
      req.resume();
      return reply(res, 404, `no broker or sink at ${path}`);
    }
    // Like the Kafka producer's max.request.size, the limit counts the record's headers too.
    const headerBytes = Object.entries(req.headers).reduce((sum, [name, value]) => sum + name.length + String(value).length, 0);
    const body = await readBody(req, MAX_EVENT_BYTES - headerBytes);
    if (!body) return reply(res, 413, `event larger than ${MAX_EVENT_BYTES} bytes`);
    let event: CloudEvent<unknown>;
    try {
      const headers = req.headers as Record<string, string>;
      const parsed = HTTP.toEvent({ headers, body: isTextual(headers['content-type']) ? body.toString('utf8') : body });
      if (Array.isArray(parsed)) throw new Error('batched events are not accepted');
      event = parsed as CloudEvent<unknown>;
      if (event.specversion !== '1.0' && event.specversion !== '0.3') throw new Error(`unsupported specversion "${event.specversion}"`);
      event.validate();
    } catch (error) {
      return reply(res, 400, `not a valid CloudEvent: ${(error as Error).message}`);
    }
    try {
      await this.backend.publish(topic, toStored(event));
    } catch (error) {
      return reply(res, 503, `could not store the event: ${(error as Error).message}`);
    }
    res.writeHead(202).end();
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

/** The whole body, or undefined once it passes `limit` (the rest is drained). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function reply(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}

export function replyJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body, null, 2));
}

/**
 * `GET /stats` and `GET /stats/stream` on the upload service, forwarded to the stats service
 * (STATS_URL), so the page needs one origin. Bodies are streamed through as they arrive: the
 * server-sent events of `/stats/stream` reach the browser frame by frame, never buffered.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Request, Response } from '@google-cloud/functions-framework';
import type { FunctionContext } from '../lib/context.js';
import { sendJson, type Route } from '../lib/http/function-app.js';

export interface StatsProxyOptions {
  /** How long the stats service may take to send its headers (a cold start included). */
  readonly responseTimeoutMs?: number;
  /**
   * A stream is ended cleanly after this long, inside the Knative timeoutSeconds of stats (60 s)
   * and upload (120 s), which would otherwise cut it mid-chunk; EventSource reconnects on its own.
   */
  readonly streamMaxMs?: number;
  /** The reconnection delay announced to EventSource (`retry:`). */
  readonly retryMs?: number;
}

const DEFAULTS = { responseTimeoutMs: 30_000, streamMaxMs: 50_000, retryMs: 1000 };

function unavailable(res: Response, message: string): void {
  sendJson(res, 503, { code: 'E_STATS_UNAVAILABLE', message });
}

function forward(path: '/stats' | '/stats/stream', req: Request, res: Response, ctx: FunctionContext, options: typeof DEFAULTS): Promise<void> {
  const base = ctx.config.STATS_URL;
  if (!base) {
    unavailable(res, 'The stats service is not configured: STATS_URL is not set for the upload service');
    return Promise.resolve();
  }
  const target = new URL(base.replace(/\/+$/, '') + path);
  const wantsStream = path === '/stats/stream';
  return new Promise((resolve) => {
    let settled = false;
    let rotation: NodeJS.Timeout | undefined;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(rotation);
      resolve();
    };
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = request(
      target,
      { method: req.method === 'HEAD' ? 'HEAD' : 'GET', headers: { accept: wantsStream ? 'text/event-stream' : 'application/json' } },
      (answer: IncomingMessage) => {
        clearTimeout(timer);
        const contentType = answer.headers['content-type'] ?? 'application/json';
        const streaming = wantsStream && answer.statusCode === 200 && /^text\/event-stream/i.test(contentType);
        res.status(answer.statusCode ?? 502).set({
          'Content-Type': contentType,
          'Cache-Control': 'no-store',
          ...(streaming ? { 'X-Accel-Buffering': 'no' } : {}),
        });
        const length = answer.headers['content-length'];
        if (length !== undefined && !streaming) res.set('Content-Length', length);
        res.flushHeaders();
        let endingOnPurpose = false;
        if (streaming && req.method !== 'HEAD') {
          res.write(`retry: ${options.retryMs}\n\n`);
          rotation = setTimeout(() => {
            endingOnPurpose = true;
            answer.unpipe(res);
            res.end();
            upstream.destroy();
            done();
          }, options.streamMaxMs);
        }
        answer.pipe(res);
        answer.on('end', done);
        const cut = () => {
          if (endingOnPurpose) return;
          // A cut event stream ends cleanly (EventSource drops a half frame and reconnects); a cut
          // JSON body must not look complete.
          if (streaming) res.end();
          else res.destroy();
          done();
        };
        answer.on('error', cut);
        answer.on('aborted', cut);
      },
    );
    const timer = setTimeout(() => {
      upstream.destroy(new Error(`it did not answer within ${options.responseTimeoutMs / 1000} s`));
    }, options.responseTimeoutMs);
    upstream.on('error', (error) => {
      if (!res.headersSent) unavailable(res, `The stats service at ${target.origin} is unreachable: ${error.message}`);
      else if (!res.writableEnded) res.destroy();
      done();
    });
    // The browser went away (closed the tab, EventSource reconnected): stop reading from stats.
    res.on('close', () => {
      upstream.destroy();
      done();
    });
    upstream.end();
  });
}

export function createStatsProxyRoutes(options: StatsProxyOptions = {}): Route[] {
  const settings = { ...DEFAULTS, ...options };
  return [
    { method: 'GET', path: /^\/stats\/?$/, handle: (req, res, ctx) => forward('/stats', req, res, ctx, settings) },
    { method: 'GET', path: /^\/stats\/stream\/?$/, handle: (req, res, ctx) => forward('/stats/stream', req, res, ctx, settings) },
  ];
}

export const statsProxyRoutes: Route[] = createStatsProxyRoutes();

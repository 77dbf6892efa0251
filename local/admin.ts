/** The runtime's own API (under `/-/` on the ingress port), used by the CLI. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminHandler } from './eventing/ingress.js';
import { readBody, reply, replyJson } from './eventing/ingress.js';
import type { LocalPipeline } from './runtime.js';
import { bearerToken, tokenMatches } from '../functions/lib/http/access.js';

/** With a token, every admin call (dead-letter replay included) needs `Authorization: Bearer`. */
export function createAdminApi(pipeline: LocalPipeline, token?: string): AdminHandler {
  return async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (token !== undefined) {
      const presented = bearerToken(req.headers.authorization);
      if (presented === undefined || !tokenMatches(presented, token)) {
        req.resume();
        res.setHeader('WWW-Authenticate', 'Bearer realm="file-pipeline"');
        return reply(res, 401, 'the admin API needs the API token (Authorization: Bearer <token>)');
      }
    }
    if (req.method === 'GET' && path === '/-/status') return replyJson(res, 200, pipeline.status());
    if (req.method === 'GET' && path === '/-/dead-letters') return replyJson(res, 200, await pipeline.deadLetters());
    if (req.method === 'POST' && path === '/-/dead-letters/replay') {
      const body = await readBody(req, 64 * 1024);
      const ids = body && body.length > 0 ? (JSON.parse(body.toString('utf8')) as { ids?: string[] }).ids : undefined;
      return replyJson(res, 200, { replayed: await pipeline.replayDeadLetters(ids) });
    }
    if (req.method === 'GET' && path === '/-/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(': connected\n\n');
      const unsubscribe = pipeline.onReport((report) => res.write(`event: delivery\ndata: ${JSON.stringify(report)}\n\n`));
      req.on('close', unsubscribe);
      return;
    }
    req.resume();
    reply(res, 404, `no admin endpoint ${req.method} ${path}`);
  };
}

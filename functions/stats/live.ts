/**
 * The live stats stream (server-sent events). An instance recomputes when it handles an event
 * itself and also on a slow timer, because other instances' events are invisible to it.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import type { FunctionContext } from '../lib/context.js';
import { computeStats } from './handler.js';

const POLL_MS = 2000;
const DEBOUNCE_MS = 100;

export function createLiveStats() {
  const clients = new Set<Response>();
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let ctxRef: FunctionContext | undefined;

  async function broadcast(): Promise<void> {
    timer = undefined;
    if (!ctxRef || clients.size === 0) return;
    const snapshot = JSON.stringify(await computeStats(ctxRef));
    if (snapshot === last) return;
    last = snapshot;
    for (const res of clients) res.write(`event: stats\ndata: ${snapshot}\n\n`);
  }

  function schedule(): void {
    timer ??= setTimeout(() => void broadcast().catch(() => undefined), DEBOUNCE_MS);
  }

  return {
    changed: schedule,
    async stream(req: Request, res: Response, ctx: FunctionContext): Promise<void> {
      ctxRef = ctx;
      res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.flushHeaders();
      const snapshot = JSON.stringify(await computeStats(ctx));
      res.write(`event: stats\ndata: ${snapshot}\n\n`);
      clients.add(res);
      poll ??= setInterval(schedule, POLL_MS);
      req.on('close', () => {
        clients.delete(res);
        if (clients.size === 0 && poll) {
          clearInterval(poll);
          poll = undefined;
        }
      });
    },
  };
}

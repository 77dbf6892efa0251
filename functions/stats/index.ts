import * as functions from '@google-cloud/functions-framework';
import { contextLoader, type FunctionContext } from '../lib/context.js';
import { functionApp, sendJson } from '../lib/http/function-app.js';
import { computeStats, createStatsHandler } from './handler.js';
import { createLiveStats } from './live.js';

/** The stats service: counts events (POST /) and answers GET /stats and the live GET /stats/stream. */
export function createStatsFunction(context: () => Promise<FunctionContext>) {
  const live = createLiveStats();
  return functionApp({
    name: 'stats',
    context,
    onEvent: createStatsHandler(live.changed),
    routes: [
      {
        method: 'GET',
        path: /^\/stats\/?$/,
        // No `Access-Control-Allow-Origin: *` any more: functionApp applies CORS_ORIGINS, like upload.
        handle: async (_req, res, ctx) => {
          sendJson(res, 200, await computeStats(ctx));
        },
      },
      {
        method: 'GET',
        path: /^\/stats\/stream\/?$/,
        handle: async (req, res, ctx) => {
          await live.stream(req, res, ctx);
        },
      },
    ],
  });
}

functions.http('stats', createStatsFunction(contextLoader('stats')));

import * as functions from '@google-cloud/functions-framework';
import { contextLoader } from '../lib/context.js';
import { functionApp, sendJson } from '../lib/http/function-app.js';
import { computeStats, createStatsHandler } from './handler.js';
import { createLiveStats } from './live.js';

const live = createLiveStats();

functions.http(
  'stats',
  functionApp({
    name: 'stats',
    context: contextLoader('stats'),
    onEvent: createStatsHandler(live.changed),
    routes: [
      {
        method: 'GET',
        path: /^\/stats\/?$/,
        handle: async (_req, res, ctx) => {
          res.set('Access-Control-Allow-Origin', '*');
          sendJson(res, 200, await computeStats(ctx));
        },
      },
      {
        method: 'GET',
        path: /^\/stats\/stream\/?$/,
        handle: async (req, res, ctx) => {
          res.set('Access-Control-Allow-Origin', '*');
          await live.stream(req, res, ctx);
        },
      },
    ],
  }),
);

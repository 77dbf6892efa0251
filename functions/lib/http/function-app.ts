/**
 * The HTTP face every function shares, registered with functions-framework as an `http`
 * function. We do not use functions-framework's `cloudEvent` signature: it sends a returned
 * event with `res.send()` and no `ce-*` headers, which the Knative broker rejects as "a 2xx with
 * a body that is not a CloudEvent" (knative-semantics.md §4). Here a reply goes out in binary
 * mode, and errors map to the statuses the broker acts on: 4xx = dead letter now, 5xx = retry.
 */
import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { CloudEvent, HTTP, type CloudEventV1 } from 'cloudevents';
import { InvalidEventError, toHttpError } from '../errors.js';
import type { ContextLoader, FunctionContext } from '../context.js';
import { answerPreflight, applyCors } from './access.js';
import { traceIdOf } from '../trace.js';

export type CloudEventHandler = (event: CloudEventV1<unknown>, ctx: FunctionContext) => Promise<CloudEvent<unknown> | undefined>;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Matched against the request path; named groups become `params`. */
  readonly path: RegExp;
  handle(req: Request, res: Response, ctx: FunctionContext, params: Record<string, string>): Promise<void>;
}

export interface FunctionAppOptions {
  readonly name: string;
  readonly context: ContextLoader;
  readonly onEvent?: CloudEventHandler;
  readonly routes?: readonly Route[];
}

export function functionApp(options: FunctionAppOptions): HttpFunction {
  const routes = options.routes ?? [];
  return async (req, res) => {
    if (req.method === 'GET' && req.path === '/healthz') {
      res.status(200).json({ status: 'ok', function: options.name });
      return;
    }
    if (options.onEvent && req.path === '/' && req.method === 'POST') {
      await handleEvent(req, res, options);
      return;
    }
    const matching = routes.flatMap((route) => {
      const match = route.path.exec(req.path);
      return match ? [{ route, match }] : [];
    });
    if (matching.length === 0) {
      sendJson(res, 404, { code: 'E_NOT_FOUND', message: `No route for ${req.method} ${req.path}` });
      return;
    }
    // CORS_ORIGINS applies to every route: listed origins get `Access-Control-Allow-Origin` and a
    // preflight (`OPTIONS`) answer; any other origin gets no CORS headers (same-origin only).
    {
      let ctx: FunctionContext;
      try {
        ctx = await options.context();
      } catch (error) {
        sendError(res, error);
        return;
      }
      const methods = [...new Set(matching.flatMap(({ route }) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method])))];
      const policy = { origins: ctx.config.CORS_ORIGINS, methods };
      if (req.method === 'OPTIONS') {
        answerPreflight(req, res, policy);
        return;
      }
      applyCors(req, res, policy);
    }
    const chosen = matching.find(({ route }) => route.method === req.method || (route.method === 'GET' && req.method === 'HEAD'));
    if (!chosen) {
      sendJson(res, 405, { code: 'E_METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${req.path}` });
      return;
    }
    try {
      const ctx = await options.context();
      await chosen.route.handle(req, res, ctx, decodeParams(chosen.match.groups ?? {}));
    } catch (error) {
      sendError(res, error);
    }
  };
}

async function handleEvent(req: Request, res: Response, options: FunctionAppOptions): Promise<void> {
  const started = performance.now();
  let event: CloudEventV1<unknown>;
  try {
    event = parseCloudEvent(req);
  } catch (error) {
    const log = options.context.log ?? (await options.context().then((c) => c.log, () => undefined));
    log?.warn({ outcome: 'rejected', reason: (error as Error).message }, 'invalid cloudevent');
    sendError(res, error);
    return;
  }
  const fields = { type: event.type, id: event.id, traceId: traceIdOf(event.traceparent as string | undefined) };
  let ctx: FunctionContext | undefined;
  try {
    ctx = await options.context();
    const reply = await options.onEvent!(event, ctx);
    const ms = Math.round(performance.now() - started);
    if (reply) {
      const message = HTTP.binary(reply);
      res.status(200).set(message.headers as Record<string, string>).send(message.body);
      ctx.log.info({ ...fields, outcome: 'replied', reply: reply.type, ms }, 'event handled');
    } else {
      res.status(202).end();
      ctx.log.info({ ...fields, outcome: 'acked', ms }, 'event handled');
    }
  } catch (error) {
    const { status, retriable } = toHttpError(error);
    const ms = Math.round(performance.now() - started);
    // Before the context exists (the store is down at an instance's first event) the loader's
    // own logger still reports the failure.
    const log = ctx?.log ?? options.context.log;
    log?.[retriable ? 'warn' : 'error']({ ...fields, outcome: retriable ? 'retry' : 'dead-letter', status, err: error, ms }, 'event failed');
    sendError(res, error);
  }
}

export function parseCloudEvent(req: Request): CloudEventV1<unknown> {
  const raw = req.rawBody ?? (typeof req.body === 'string' ? Buffer.from(req.body) : Buffer.alloc(0));
  // The SDK parses JSON and text data only from a string; other media stay bytes.
  const textual = /json|^text\//i.test(req.headers['content-type'] ?? '');
  try {
    const parsed = HTTP.toEvent({ headers: req.headers as Record<string, string>, body: textual ? raw.toString('utf8') : raw });
    if (Array.isArray(parsed)) throw new Error('batched events are not accepted');
    return parsed as CloudEventV1<unknown>;
  } catch (error) {
    throw new InvalidEventError(`Not a valid CloudEvent: ${(error as Error).message}`);
  }
}

function decodeParams(groups: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, decodeURIComponent(v ?? '')]));
}

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).set('Cache-Control', 'no-store').json(body);
}

export function sendError(res: Response, error: unknown): void {
  const { status, body } = toHttpError(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, body);
}

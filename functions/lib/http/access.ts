/**
 * Who may do what over HTTP: the optional API token for writes (API_TOKEN) and the explicit
 * CORS allow-list (CORS_ORIGINS). Both are read from config; with neither set, writes are open
 * and only same-origin pages may call the API (no Access-Control-* headers are ever sent).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from '@google-cloud/functions-framework';
import { UnauthorizedError } from '../errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * True when `presented` equals `expected`. Both are hashed first so the comparison takes the same
 * time whatever the lengths, and timingSafeEqual compares the fixed-size digests.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** Throws a 401 unless the request carries the token; a no-op when no token is configured. */
export function requireToken(req: Request, res: Response, token: string | undefined): void {
  if (token === undefined) return;
  const presented = bearerToken(req.headers.authorization);
  if (presented !== undefined && tokenMatches(presented, token)) return;
  res.set('WWW-Authenticate', 'Bearer realm="file-pipeline"');
  // The message never echoes what was sent: a wrong token is a secret too.
  throw new UnauthorizedError(
    presented === undefined
      ? 'This request needs the API token: send it as "Authorization: Bearer <token>"'
      : 'The API token in the Authorization header is not valid',
  );
}

export interface CorsPolicy {
  /** Exact origins (scheme://host[:port]) allowed to call cross-origin. */
  readonly origins: readonly string[];
  /** Methods announced in a preflight answer. */
  readonly methods: readonly string[];
  /** Request headers announced in a preflight answer. */
  readonly headers?: readonly string[];
}

/**
 * Sets `Access-Control-Allow-Origin` for a listed origin only, and always `Vary: Origin` (a cache
 * must not hand one origin's answer to another). Returns whether the origin is allowed.
 */
export function applyCors(req: Request, res: Response, policy: CorsPolicy): boolean {
  res.vary('Origin');
  const origin = req.headers.origin;
  if (origin === undefined || !policy.origins.includes(origin)) return false;
  res.set('Access-Control-Allow-Origin', origin);
  return true;
}

/**
 * Answers a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`): 204 with the allowed
 * methods and headers for a listed origin, 204 with no Access-Control-* headers otherwise (the
 * browser then blocks the request, as the Fetch standard specifies).
 */
export function answerPreflight(req: Request, res: Response, policy: CorsPolicy): void {
  res.vary('Origin');
  if (applyCors(req, res, policy)) {
    res.set({
      'Access-Control-Allow-Methods': policy.methods.join(', '),
      'Access-Control-Allow-Headers': (policy.headers ?? ['Authorization', 'Content-Type']).join(', '),
      'Access-Control-Max-Age': '600',
    });
  }
  res.status(204).end();
}

/**
 * Every environment variable the functions read, declared once. Parsed once at start;
 * a bad value fails fast and names the variable. Defaults run the embedded mode with no env.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;

/** "250ms", "5s", "2m" or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return Math.round(value * (unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1));
}

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 5s or 2m, got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

const positiveInt = z.coerce.number().int().positive();

export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    FUNCTION_TARGET: z.enum(['upload', 'blur', 'grayscale', 'classify', 'stats']).optional(),
    K_SERVICE: z.string().optional(),
    K_REVISION: z.string().optional(),
    K_CONFIGURATION: z.string().optional(),
    HOSTNAME: z.string().optional(),
    K_SINK: z.url().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    STORE_DRIVER: z.enum(['fs', 'minio']).default('fs'),
    STORE_FS_ROOT: z.string().default('.data/store'),
    S3_ENDPOINT: z.url().default('http://127.0.0.1:19000'),
    S3_ACCESS_KEY: z.string().default('minioadmin'),
    S3_SECRET_KEY: z.string().default('minioadmin'),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
      .default('files'),
    S3_REGION: z.string().default('us-east-1'),
    /** Where clients reach the store for presigned upload URLs, when not at S3_ENDPOINT (e.g. an ingress). */
    S3_PUBLIC_ENDPOINT: z.url().optional(),
    /** Clients (page, CLI) send files larger than this straight to storage (POST /uploads) instead of POST /files. */
    DIRECT_UPLOAD_THRESHOLD: positiveInt.default(8 * 1024 ** 2),
    /** The largest file a client may send straight to storage (POST /uploads). */
    DIRECT_UPLOAD_MAX_BYTES: positiveInt.default(10 * 1024 ** 3),
    /** Files larger than this go up as multipart parts of this size (S3's minimum is 5 MiB). */
    DIRECT_UPLOAD_PART_SIZE: positiveInt.min(5 * 1024 ** 2, 'must be at least 5 MiB (S3 multipart minimum)').default(16 * 1024 ** 2),
    /** How long a signed upload URL stays valid; GET /uploads/:id signs fresh ones. */
    DIRECT_UPLOAD_EXPIRY: duration.refine((ms) => ms >= 1000 && ms <= 7 * 86_400_000, 'must be between 1s and 7 days').default(3_600_000),
    /** Signs the upload service's own upload URLs when the store cannot presign (fs); share it across instances. */
    DIRECT_UPLOAD_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    UPLOAD_MAX_BYTES: positiveInt.default(50 * 1024 * 1024),
    UPLOAD_WAIT_MAX: duration.default(30_000),
    /** An upload whose body sends no bytes for this long is answered 408 and nothing is kept. */
    UPLOAD_IDLE_TIMEOUT: duration.refine((ms) => ms > 0, 'must be a positive duration').default(30_000),
    /** When set, POST /files and DELETE /files/:id need `Authorization: Bearer <token>`; reads stay open. */
    API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Origins (scheme://host[:port], comma-separated) allowed cross-origin; empty = same-origin only. */
    CORS_ORIGINS: z
      .string()
      .transform((text, ctx) => {
        const origins = text.split(',').map((o) => o.trim()).filter(Boolean);
        for (const origin of origins) {
          let parsed: URL | undefined;
          try {
            parsed = new URL(origin);
          } catch {
            parsed = undefined;
          }
          if (!parsed || parsed.origin !== origin) {
            ctx.addIssue({ code: 'custom', message: `expected origins such as https://example.com, got "${origin}"` });
            return z.NEVER;
          }
        }
        return origins;
      })
      .default([]),
    BROKER_PUBLISH_RETRY_FOR: duration.default(30_000),
    BLUR_SIGMA_DEFAULT: z.coerce.number().positive().default(4),
    BLUR_SIGMA_MIN: z.coerce.number().positive().default(0.3),
    BLUR_SIGMA_MAX: z.coerce.number().positive().default(50),
    IMAGE_MAX_PIXELS: positiveInt.default(50_000_000),
    IMAGE_MAX_FRAMES: positiveInt.default(500),
    /** Pixels one instance decodes at once across its concurrent requests (see image/pixel-budget.ts). */
    IMAGE_PIXEL_BUDGET: positiveInt.default(30_000_000),
    STATS_URL: z.url().optional(),
    /** The classify models' directory (local/infra/models.ts fills it; the image bakes it in). Unset: no labels. */
    MODEL_DIR: z.string().optional(),
  })
  .refine((c) => c.BLUR_SIGMA_MIN <= c.BLUR_SIGMA_DEFAULT && c.BLUR_SIGMA_DEFAULT <= c.BLUR_SIGMA_MAX, {
    message: 'BLUR_SIGMA_DEFAULT must lie between BLUR_SIGMA_MIN and BLUR_SIGMA_MAX',
    path: ['BLUR_SIGMA_DEFAULT'],
  });

type RawConfig = z.infer<typeof configSchema>;

export interface Config extends RawConfig {
  /** Who wrote an object or event: the Knative service, revision and instance (pod). */
  readonly identity: { service: string; revision: string; instance: string };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset, so `PORT=` falls back to the default (t3-env's lesson).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${lines.join('; ')}`);
  }
  const raw = parsed.data;
  const service = raw.K_SERVICE ?? raw.FUNCTION_TARGET ?? 'local';
  return {
    ...raw,
    identity: {
      service,
      revision: raw.K_REVISION ?? `${service}-local`,
      instance: raw.HOSTNAME ?? `${hostname()}-${process.pid}`,
    },
  };
}

let cached: Config | undefined;

/** The process's config, parsed once from process.env. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

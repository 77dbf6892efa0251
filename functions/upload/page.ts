/**
 * The web page, served by upload at `/`: markup, stylesheet, script and icon are TypeScript
 * modules exporting strings (tsc copies nothing else to dist/, and the image ships only dist/).
 * The assets are served under content-hashed names, cached for a year; the page itself is never
 * cached and carries a Content-Security-Policy that allows only this origin.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../lib/config.js';
import type { Route } from '../lib/http/function-app.js';
import { pageHtml } from './page/html.js';
import { icon } from './page/icon.js';
import { script } from './page/script.js';
import { styles } from './page/styles.js';

export interface PageAsset {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
}

function asset(name: string, ext: string, contentType: string, text: string): PageAsset {
  const body = Buffer.from(text, 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/assets/${name}.${hash}.${ext}`, contentType, body, etag: `"${hash}"` };
}

export const pageAssets = {
  css: asset('app', 'css', 'text/css; charset=utf-8', styles),
  js: asset('app', 'js', 'text/javascript; charset=utf-8', script),
  icon: asset('icon', 'svg', 'image/svg+xml', icon),
} as const;

/**
 * Self only. `img-src blob:` lets the page preview a picked photo before it is uploaded (an object
 * URL of the user's own file, made by this page); nothing else from anywhere else.
 */
export const PAGE_CSP = pageCsp();

/**
 * The page's CSP. `connect-src` adds the store's origin when the store signs direct-upload URLs
 * itself (MinIO: the page PUTs large files straight to it); with the fs store those URLs are
 * upload's own, on this origin.
 */
export function pageCsp(config?: Pick<Config, 'STORE_DRIVER' | 'S3_ENDPOINT' | 'S3_PUBLIC_ENDPOINT'>): string {
  const storeOrigin = config?.STORE_DRIVER === 'minio' ? new URL(config.S3_PUBLIC_ENDPOINT ?? config.S3_ENDPOINT).origin : undefined;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    `connect-src 'self'${storeOrigin ? ` ${storeOrigin}` : ''}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export type PageLimits = Pick<Config, 'UPLOAD_MAX_BYTES' | 'BLUR_SIGMA_MIN' | 'BLUR_SIGMA_MAX' | 'BLUR_SIGMA_DEFAULT'>;

const DEFAULT_LIMITS: PageLimits = { UPLOAD_MAX_BYTES: 50 * 1024 * 1024, BLUR_SIGMA_MIN: 0.3, BLUR_SIGMA_MAX: 50, BLUR_SIGMA_DEFAULT: 4 };

/** The page, with the service's limits as data attributes for the script. */
export function renderPage(limits: PageLimits = DEFAULT_LIMITS): string {
  const html = pageHtml({ css: pageAssets.css.path, js: pageAssets.js.path, icon: pageAssets.icon.path });
  const data = `data-max-bytes="${limits.UPLOAD_MAX_BYTES}" data-sigma-min="${limits.BLUR_SIGMA_MIN}" data-sigma-max="${limits.BLUR_SIGMA_MAX}" data-sigma-default="${limits.BLUR_SIGMA_DEFAULT}"`;
  return html.replace('<body>', `<body ${data}>`);
}

const byPath = new Map(Object.values(pageAssets).map((a) => [a.path, a]));

export const pageRoutes: Route[] = [
  {
    method: 'GET',
    path: /^\/$/,
    handle: async (_req, res, ctx) => {
      res
        .status(200)
        .set({
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
          'Content-Security-Policy': pageCsp(ctx.config),
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
        })
        .send(renderPage(ctx.config));
    },
  },
  {
    method: 'GET',
    path: /^\/assets\/[a-z]+\.[0-9a-f]{12}\.(?:css|js|svg)$/,
    handle: async (req, res) => {
      const found = byPath.get(req.path);
      if (!found) {
        res.status(404).set('Cache-Control', 'no-store').json({ code: 'E_NOT_FOUND', message: `No asset ${req.path} (the page was updated; reload it)` });
        return;
      }
      res.status(200).set({
        'Content-Type': found.contentType,
        'Cache-Control': 'public, max-age=31536000, immutable',
        'X-Content-Type-Options': 'nosniff',
        ETag: found.etag,
      });
      const validators = String(req.headers['if-none-match'] ?? '').split(',').map((v) => v.trim().replace(/^W\//, ''));
      if (validators.includes(found.etag) || validators.includes('*')) {
        res.status(304).end();
        return;
      }
      res.send(found.body);
    },
  },
];

/**
 * AWS Signature Version 4 for S3 (service `s3`), both forms: the Authorization header for our own
 * requests, and the query-string form for presigned URLs that a client uses without our keys.
 */
import { createHash, createHmac } from 'node:crypto';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SigV4 {
  /** Sets x-amz-date on `headers` (lower-case names, incl. host and x-amz-content-sha256) and returns the Authorization header. */
  authorization(method: string, path: string, query: string, headers: Record<string, string>): string;
  /** The canonical query string of a presigned request, X-Amz-Signature included. `headers` (lower-case, incl. host) are signed: the client must send them as given. */
  presignedQuery(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, expiresInSeconds: number, now?: Date): string;
}

export function createSigV4(accessKey: string, secretKey: string, region: string): SigV4 {
  let keyDate = '';
  let signingKey: Buffer = Buffer.alloc(0);
  const keyFor = (date: string): Buffer => {
    if (date !== keyDate) {
      const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
      signingKey = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), 's3'), 'aws4_request');
      keyDate = date;
    }
    return signingKey;
  };
  const sign = (canonicalRequest: string, amzDate: string, scope: string): string => {
    const stringToSign = [ALGORITHM, amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    return createHmac('sha256', keyFor(amzDate.slice(0, 8))).update(stringToSign).digest('hex');
  };
  const canonicalHeaders = (headers: Record<string, string>) => {
    const names = Object.keys(headers).sort();
    return {
      text: names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, ' ')}\n`).join(''),
      signed: names.join(';'),
    };
  };

  return {
    authorization(method, path, query, headers) {
      const amzDate = amzDateOf(new Date());
      headers['x-amz-date'] = amzDate;
      const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
      const { text, signed } = canonicalHeaders(headers);
      const canonicalRequest = [method, path, query, text, signed, headers['x-amz-content-sha256']].join('\n');
      return `${ALGORITHM} Credential=${accessKey}/${scope}, SignedHeaders=${signed}, Signature=${sign(canonicalRequest, amzDate, scope)}`;
    },

    presignedQuery(method, path, query, headers, expiresInSeconds, now = new Date()) {
      const amzDate = amzDateOf(now);
      const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
      const { text, signed } = canonicalHeaders(headers);
      const params: Record<string, string> = {
        ...query,
        'X-Amz-Algorithm': ALGORITHM,
        'X-Amz-Credential': `${accessKey}/${scope}`,
        'X-Amz-Date': amzDate,
        'X-Amz-Expires': String(expiresInSeconds),
        'X-Amz-SignedHeaders': signed,
      };
      const canonicalQuery = canonicalQueryOf(params);
      const canonicalRequest = [method, path, canonicalQuery, text, signed, UNSIGNED_PAYLOAD].join('\n');
      return `${canonicalQuery}&X-Amz-Signature=${sign(canonicalRequest, amzDate, scope)}`;
    },
  };
}

function amzDateOf(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

/** Sorted by name, RFC 3986-escaped: the form the signature covers. */
export function canonicalQueryOf(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${s3Escape(name)}=${s3Escape(params[name]!)}`)
    .join('&');
}

/** RFC 3986 escaping, as S3's signature v4 canonical query string wants it. */
export function s3Escape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key as it appears in a path-style URL: each segment escaped, slashes kept. */
export function s3Path(bucket: string, key?: string): string {
  return `/${bucket}${key === undefined ? '' : `/${key.split('/').map(s3Escape).join('/')}`}`;
}

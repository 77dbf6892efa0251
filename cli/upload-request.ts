/** What one file's upload carries, whichever path it takes. */
import type { LocalFileVersion } from './resume-state.js';

export interface LocalFile extends LocalFileVersion {
  /** The name the server records (the file's base name). */
  readonly name: string;
}

export interface UploadRequest {
  /** Chains as the server takes them (`grayscale,blur`, `none`); empty = server default. */
  readonly effects: readonly string[];
  readonly sigma: number | undefined;
  /** How long the server may hold the request for the derivatives (it caps this itself, at 30s by default). */
  readonly serverWaitMs: number | undefined;
}

/** `?effects=…&effects=…&sigma=…&wait=…ms` for POST /files and complete. */
export function uploadQuery(request: UploadRequest, withOptions: boolean): string {
  const query = new URLSearchParams();
  if (withOptions) {
    for (const chain of request.effects) query.append('effects', chain);
    if (request.sigma !== undefined) query.set('sigma', String(request.sigma));
  }
  if (request.serverWaitMs !== undefined && request.serverWaitMs > 0) query.set('wait', `${Math.round(request.serverWaitMs)}ms`);
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** The upload service's HTTP API as the CLI sees it: JSON in and out, errors as the server words them. */

export interface SignedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
}

export interface SignedPart extends SignedRequest {
  readonly partNumber: number;
  readonly size: number;
}

export interface Limits {
  readonly directThreshold: number;
  readonly proxyMaxBytes: number;
  readonly directMaxBytes: number;
  readonly partSize: number;
}

export interface DirectUpload {
  readonly id: string;
  readonly mode: 'single' | 'multipart';
  readonly size: number;
  readonly partSize: number;
  readonly state?: 'pending' | 'uploaded' | 'complete' | 'aborted';
  readonly upload?: SignedRequest;
  readonly parts?: SignedPart[];
  readonly uploadedParts?: { partNumber: number; size: number }[];
}

export interface ProcessedStep {
  readonly chain: string;
  readonly step: number;
  readonly effect: string;
  readonly function: string;
  readonly revision: string;
  readonly instance: string;
}

/** The 201 of POST /files and of a completed direct upload; the wait fields only when asked to wait. */
export interface AcceptedFile {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly effects: string[][];
  readonly status?: 'processing' | 'complete';
  readonly applied_effects?: string[];
  readonly processed_by?: ProcessedStep[];
  readonly view_url?: string;
  readonly derivatives?: { chain: string; step: number; effect: string; url: string; size: number }[];
  readonly failures?: { chain: string; step: number; effect: string; reason: string }[];
  readonly classification?: Record<string, unknown> | null;
}

/** A 4xx/5xx answer, with the server's own message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, serverMessage: string) {
    super(`server said ${status}: ${serverMessage}`);
  }
  get retriable(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

export async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let message = text.trim() || response.statusText;
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // not JSON: the text itself
  }
  return new ApiError(response.status, message);
}

export class PipelineApi {
  constructor(readonly base: string, private readonly token: string | undefined) {}

  /** Relative URLs (the upload service's own signed URLs) resolve against the API base. */
  resolve(url: string): URL {
    return new URL(url, this.base.endsWith('/') ? this.base : `${this.base}/`);
  }

  authHeaders(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.resolve(path.replace(/^\//, '')), {
      method,
      headers: { ...this.authHeaders(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }

  limits(): Promise<Limits> {
    return this.request('GET', '/uploads');
  }

  fileView(id: string): Promise<Record<string, unknown>> {
    return this.request('GET', `/files/${encodeURIComponent(id)}`);
  }
}

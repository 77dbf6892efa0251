/**
 * Everything known about one file, read back from the bucket: the upload record, each
 * derivative with who made it, failures, the classification, and whether the pipeline is done.
 */
import { NotFoundError } from '../lib/errors.js';
import { chainKey } from '../lib/events.js';
import { keys } from '../lib/keys.js';
import { readAll, type ObjectInfo, type ObjectStore } from '../lib/store/port.js';
import { uploadRecord, type UploadRecord } from './schema.js';

export interface ProcessedBy {
  readonly function: string;
  readonly revision: string;
  readonly instance: string;
}

export interface DerivativeView {
  readonly chain: string;
  readonly step: number;
  readonly effect: string;
  readonly key: string;
  readonly url: string;
  readonly size: number;
  readonly contentType: string;
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly processedBy: ProcessedBy;
  readonly createdAt: string;
  /** The trace the step ran in (object metadata `trace-id`). */
  readonly traceId: string | undefined;
}

/** Who wrote an object and when, from its user metadata: for the page's per-file timeline. */
export interface StepLineage {
  readonly processedBy: ProcessedBy;
  readonly traceId: string | undefined;
  readonly at: string;
}

export interface FailureView {
  readonly chain: string;
  readonly step: number;
  readonly effect: string;
  readonly reason: string;
}

export interface FileView extends UploadRecord {
  readonly status: 'processing' | 'complete';
  readonly links: { self: string; content: string };
  readonly derivatives: DerivativeView[];
  readonly failures: FailureView[];
  readonly classification: Record<string, unknown> | null;
  /** Who wrote the classification (null until it exists). */
  readonly classifiedBy: StepLineage | null;
  /** Who recorded each failure; apart from `failures`, whose shape scripts rely on. */
  readonly failureLineage: (StepLineage & { readonly chain: string; readonly step: number })[];
  /** Chains whose last step produced an output, e.g. `grayscale+blur`. */
  readonly appliedEffects: string[];
}

export async function readUploadRecord(store: ObjectStore, id: string): Promise<UploadRecord> {
  try {
    const { bytes } = await readAll(store, keys.uploadRecord(id));
    return uploadRecord.parse(JSON.parse(bytes.toString('utf8')));
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`No file with id ${id}`);
    throw error;
  }
}

export async function buildFileView(store: ObjectStore, id: string): Promise<FileView> {
  const record = await readUploadRecord(store, id);
  const base = `/files/${id}`;
  const derivatives: DerivativeView[] = [];
  for await (const object of store.list(keys.derivedPrefix(id))) {
    const info = await store.head(object.key);
    if (!info) continue;
    const rest = object.key.slice(keys.derivedPrefix(id).length);
    const [chain = '', file = ''] = rest.split('/');
    const step = Number(file.split('-')[0]);
    derivatives.push({
      chain,
      step,
      effect: info.metadata['effect'] ?? file.replace(/^\d+-/, '').replace(/\..*$/, ''),
      key: object.key,
      url: `${base}/derived/${rest}`,
      size: info.size,
      contentType: info.contentType,
      width: numberOrUndefined(info.metadata['width']),
      height: numberOrUndefined(info.metadata['height']),
      processedBy: processedByOf(info),
      createdAt: info.lastModified.toISOString(),
      traceId: info.metadata['trace-id'],
    });
  }
  const failures: FailureView[] = [];
  const failureLineage: FileView['failureLineage'] = [];
  let classification: Record<string, unknown> | null = null;
  let classifiedBy: StepLineage | null = null;
  for await (const object of store.list(keys.metaPrefix(id))) {
    if (object.key === keys.classification(id)) {
      classification = await readJson(store, object.key);
      classifiedBy = classification ? await stepLineage(store, object.key) : null;
    } else if (object.key.startsWith(`${keys.metaPrefix(id)}failures/`)) {
      const failure = await readJson(store, object.key);
      if (failure) {
        const chain = chainKey(failure['chain'] as string[]);
        const step = Number(failure['step']);
        failures.push({ chain, step, effect: String(failure['effect']), reason: String(failure['reason']) });
        const lineage = await stepLineage(store, object.key);
        if (lineage) failureLineage.push({ chain, step, ...lineage });
      }
    }
  }
  const chains = record.kind === 'image' ? record.chains : [];
  const appliedEffects = chains
    .filter((chain) => derivatives.some((d) => d.chain === chainKey(chain) && d.step === chain.length - 1))
    .map(chainKey);
  const finishedChains = chains.filter(
    (chain) => appliedEffects.includes(chainKey(chain)) || failures.some((f) => f.chain === chainKey(chain)),
  );
  const complete = classification !== null && finishedChains.length === chains.length;
  return {
    ...record,
    status: complete ? 'complete' : 'processing',
    links: { self: base, content: `${base}/content` },
    derivatives: derivatives.sort((a, b) => a.chain.localeCompare(b.chain) || a.step - b.step),
    failures,
    classification,
    classifiedBy,
    failureLineage,
    appliedEffects,
  };
}

function processedByOf(info: ObjectInfo): ProcessedBy {
  return {
    function: info.metadata['function'] ?? 'unknown',
    revision: info.metadata['revision'] ?? 'unknown',
    instance: info.metadata['instance'] ?? 'unknown',
  };
}

async function stepLineage(store: ObjectStore, key: string): Promise<StepLineage | null> {
  const info = await store.head(key);
  return info ? { processedBy: processedByOf(info), traceId: info.metadata['trace-id'], at: info.lastModified.toISOString() } : null;
}

async function readJson(store: ObjectStore, key: string): Promise<Record<string, unknown> | null> {
  try {
    const { bytes } = await readAll(store, key);
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

function numberOrUndefined(text: string | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) ? value : undefined;
}

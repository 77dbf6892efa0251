import type { FunctionContext } from '../lib/context.js';
import { EventType, parseEvent } from '../lib/events.js';
import type { CloudEventHandler } from '../lib/http/function-app.js';
import { deletePrefix } from '../lib/store/port.js';
import { STATS_PREFIX, TOMBSTONE_PREFIX, countMarker, emptySnapshot, markerKeys, type StatsSnapshot } from './schema.js';

const COUNTED = [
  EventType.fileUploaded,
  EventType.imageTransformed,
  EventType.effectFailed,
  EventType.fileClassified,
  EventType.fileDeleted,
] as const;

export type StatsListener = () => void;

/** Records each counted event as its marker; tells listeners (the live stream) that stats moved. */
export function createStatsHandler(onChange: StatsListener = () => undefined): CloudEventHandler {
  return async (event, ctx) => {
    const parsed = parseEvent(event, COUNTED);
    if (parsed.type === EventType.fileDeleted) {
      const { id } = parsed.data as { id: string };
      // Tombstone first: a marker written concurrently either sees it (and removes itself)
      // or is written before our listing (and is removed here).
      await put(ctx, markerKeys.tombstone(id));
      await deletePrefix(ctx.store, markerKeys.filePrefix(id));
      onChange();
      return undefined;
    }
    const key = markerFor(parsed);
    const id = key.slice(STATS_PREFIX.length).split('/')[0]!;
    // Marker first, then one look for the tombstone: a DELETE either wrote its tombstone before
    // our look (we remove the marker) or lists after our marker was written (it removes it).
    await put(ctx, key);
    if (await ctx.store.head(markerKeys.tombstone(id))) await ctx.store.delete(key);
    onChange();
    return undefined;
  };
}

function markerFor(parsed: ReturnType<typeof parseEvent<(typeof COUNTED)[number]>>): string {
  switch (parsed.type) {
    case EventType.fileUploaded: {
      const d = parsed.data as { id: string; kind: 'image' | 'document' | 'other'; size: number };
      return markerKeys.uploaded(d.id, d.kind, d.size);
    }
    case EventType.imageTransformed: {
      const d = parsed.data as { id: string; chain: string[] };
      return markerKeys.derived(d.id, d.chain);
    }
    case EventType.effectFailed: {
      const d = parsed.data as { id: string; chain: string[]; step: number };
      return markerKeys.failed(d.id, d.chain, d.step);
    }
    default: {
      const d = parsed.data as { id: string; kind: 'image' | 'document' | 'other' };
      return markerKeys.classified(d.id, d.kind);
    }
  }
}

async function put(ctx: FunctionContext, key: string): Promise<void> {
  await ctx.store.put(key, Buffer.alloc(0), { contentType: 'application/octet-stream' });
}

/**
 * Exact totals, read from the markers in the bucket (so every instance agrees). Files with a
 * tombstone are skipped even while their markers are still being removed.
 */
export async function computeStats(ctx: FunctionContext): Promise<StatsSnapshot> {
  const snapshot = emptySnapshot();
  const deleted = new Set<string>();
  for await (const object of ctx.store.list(TOMBSTONE_PREFIX)) deleted.add(object.key.slice(TOMBSTONE_PREFIX.length));
  snapshot.deleted = deleted.size;
  for await (const object of ctx.store.list(STATS_PREFIX)) {
    const id = object.key.slice(STATS_PREFIX.length).split('/')[0]!;
    if (!deleted.has(id)) countMarker(snapshot, object.key);
  }
  return snapshot;
}

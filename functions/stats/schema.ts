import { z } from 'zod';
import { chainKey, fileKind, type FileKind } from '../lib/events.js';

/**
 * Stats are kept as one empty marker object per counted fact, its key encoding the fact:
 * `stats/files/<id>/uploaded~image~12345`. Keys are deterministic, so a redelivered event
 * rewrites the same marker (exact under at-least-once), instances never read-modify-write
 * (exact with several instances), and the bucket is the state (survives scale-to-zero).
 */
export const STATS_PREFIX = 'stats/files/';
export const TOMBSTONE_PREFIX = 'stats/deleted/';

export const markerKeys = {
  filePrefix: (id: string) => `${STATS_PREFIX}${id}/`,
  uploaded: (id: string, kind: FileKind, size: number) => `${STATS_PREFIX}${id}/uploaded~${kind}~${size}`,
  derived: (id: string, chain: readonly string[]) => `${STATS_PREFIX}${id}/derived~${chainKey(chain)}`,
  failed: (id: string, chain: readonly string[], step: number) => `${STATS_PREFIX}${id}/failed~${chainKey(chain)}~${step}`,
  classified: (id: string, kind: FileKind) => `${STATS_PREFIX}${id}/classified~${kind}`,
  tombstone: (id: string) => `${TOMBSTONE_PREFIX}${id}`,
};

export const statsSnapshot = z.object({
  files: z.object({ total: z.number(), image: z.number(), document: z.number(), other: z.number() }),
  bytes: z.number(),
  derivatives: z.number(),
  classifications: z.number(),
  failures: z.number(),
  deleted: z.number(),
});
export type StatsSnapshot = z.infer<typeof statsSnapshot>;

export function emptySnapshot(): StatsSnapshot {
  return { files: { total: 0, image: 0, document: 0, other: 0 }, bytes: 0, derivatives: 0, classifications: 0, failures: 0, deleted: 0 };
}

/** Adds the fact one marker key stands for; unknown keys are ignored. */
export function countMarker(snapshot: StatsSnapshot, key: string): void {
  const fact = key.slice(key.lastIndexOf('/') + 1).split('~');
  switch (fact[0]) {
    case 'uploaded': {
      const kind = fileKind.safeParse(fact[1]);
      const size = Number(fact[2]);
      if (!kind.success || !Number.isFinite(size)) return;
      snapshot.files.total += 1;
      snapshot.files[kind.data] += 1;
      snapshot.bytes += size;
      return;
    }
    case 'derived':
      snapshot.derivatives += 1;
      return;
    case 'failed':
      snapshot.failures += 1;
      return;
    case 'classified':
      snapshot.classifications += 1;
      return;
  }
}

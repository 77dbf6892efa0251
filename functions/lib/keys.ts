/** Object key layout (DESIGN.md §3). Ids are server-made UUIDs; user file names never appear here. */
import { chainKey, type EffectName } from './events.js';

export const keys = {
  original: (id: string) => `originals/${id}`,
  derivedPrefix: (id: string) => `derived/${id}/`,
  derived: (id: string, chain: readonly EffectName[], step: number, ext: string) =>
    `derived/${id}/${chainKey(chain)}/${step}-${chain[step]}.${ext}`,
  metaPrefix: (id: string) => `meta/${id}/`,
  classification: (id: string) => `meta/${id}/classification.json`,
  effectFailure: (id: string, chain: readonly EffectName[], step: number) =>
    `meta/${id}/failures/${chainKey(chain)}/${step}-${chain[step]}.json`,
  uploadRecord: (id: string) => `meta/${id}/upload.json`,
};

/** S3 user metadata that records who wrote an object (lineage, visible in the MinIO console). */
export function lineage(identity: { service: string; revision: string; instance: string }, traceId: string | undefined): Record<string, string> {
  return {
    function: identity.service,
    revision: identity.revision,
    instance: identity.instance,
    ...(traceId ? { 'trace-id': traceId } : {}),
  };
}

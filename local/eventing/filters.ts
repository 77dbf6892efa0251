/**
 * Trigger filters as the Kafka broker evaluates them (knative-semantics.md §2): `filters`
 * (exact, prefix, suffix, all, any, not) when present, else `filter.attributes` (exact, where an
 * empty value matches anything). Attributes and extensions compare as strings; missing = "".
 */
import type { SubscriptionsFilter, Trigger } from '../manifests/schema.js';
import type { StoredEvent } from '../broker/backend.js';

export type EventFilter = (event: StoredEvent) => boolean;

function attribute(event: StoredEvent, name: string): string {
  const value = (event as unknown as Record<string, unknown>)[name];
  return value === undefined || value === null ? '' : String(value);
}

export function compileSubscriptionsFilter(filter: SubscriptionsFilter): EventFilter {
  if ('exact' in filter) return every(filter.exact, (actual, wanted) => actual === wanted);
  if ('prefix' in filter) return every(filter.prefix, (actual, wanted) => actual.startsWith(wanted));
  if ('suffix' in filter) return every(filter.suffix, (actual, wanted) => actual.endsWith(wanted));
  if ('all' in filter) {
    const parts = filter.all.map(compileSubscriptionsFilter);
    return (event) => parts.every((part) => part(event));
  }
  if ('any' in filter) {
    const parts = filter.any.map(compileSubscriptionsFilter);
    // An empty `any` matches nothing is not Knative's rule: an empty list matches everything.
    return (event) => parts.length === 0 || parts.some((part) => part(event));
  }
  const inner = compileSubscriptionsFilter(filter.not);
  return (event) => !inner(event);
}

function every(map: Record<string, string>, test: (actual: string, wanted: string) => boolean): EventFilter {
  const entries = Object.entries(map);
  return (event) => entries.every(([name, wanted]) => test(attribute(event, name), wanted));
}

export function compileTriggerFilter(trigger: Trigger): EventFilter {
  const filters = trigger.spec.filters;
  if (filters && filters.length > 0) {
    const parts = filters.map(compileSubscriptionsFilter);
    return (event) => parts.every((part) => part(event));
  }
  // The Kafka broker drops attribute entries whose value is "" (they match anything).
  const attributes = Object.entries(trigger.spec.filter?.attributes ?? {}).filter(([, value]) => value !== '');
  return (event) => attributes.every(([name, wanted]) => attribute(event, name) === wanted);
}

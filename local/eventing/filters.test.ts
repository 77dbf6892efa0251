import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../broker/backend.js';
import type { SubscriptionsFilter, Trigger } from '../manifests/schema.js';
import { compileTriggerFilter } from './filters.js';

const event = { specversion: '1.0', id: '1', source: '/upload', type: 'pipeline.effect.requested', subject: 'abc-123', effect: 'blur' } as unknown as StoredEvent;
const trigger = (spec: Partial<Trigger['spec']>) => ({ spec: { broker: 'default', subscriber: {}, ...spec } }) as Trigger;

describe('trigger filters (knative-semantics.md §2)', () => {
  it.each([
    [{ exact: { type: 'pipeline.effect.requested', effect: 'blur' } }, true],
    [{ exact: { effect: 'grayscale' } }, false],
    [{ prefix: { type: 'pipeline.' } }, true],
    [{ suffix: { subject: '-123' } }, true],
    [{ suffix: { subject: '-999' } }, false],
    [{ all: [{ prefix: { type: 'pipeline' } }, { exact: { source: '/upload' } }] }, true],
    [{ any: [{ exact: { type: 'x' } }, { exact: { effect: 'blur' } }] }, true],
    [{ any: [{ exact: { type: 'x' } }, { exact: { type: 'y' } }] }, false],
    [{ not: { exact: { effect: 'blur' } } }, false],
    [{ not: { exact: { missing: 'x' } } }, true],
  ])('should evaluate %j as %s', (filter, matches) => {
    expect(compileTriggerFilter(trigger({ filters: [filter as SubscriptionsFilter] }))(event)).toBe(matches);
  });

  it('should AND the elements of filters and let filters override filter.attributes', () => {
    expect(compileTriggerFilter(trigger({ filters: [{ prefix: { type: 'pipeline' } }, { exact: { effect: 'gray' } }] }))(event)).toBe(false);
    expect(compileTriggerFilter(trigger({ filter: { attributes: { type: 'nope' } }, filters: [{ exact: { effect: 'blur' } }] }))(event)).toBe(true);
  });

  it('should match filter.attributes exactly, where "" matches anything (Kafka broker) and a missing extension is ""', () => {
    expect(compileTriggerFilter(trigger({ filter: { attributes: { type: 'pipeline.effect.requested', effect: 'blur' } } }))(event)).toBe(true);
    expect(compileTriggerFilter(trigger({ filter: { attributes: { effect: '' , other: '' } } }))(event)).toBe(true);
    expect(compileTriggerFilter(trigger({ filter: { attributes: { other: 'x' } } }))(event)).toBe(false);
    expect(compileTriggerFilter(trigger({}))(event)).toBe(true);
  });
});

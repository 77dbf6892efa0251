/** ServiceSettings from a ksvc manifest: Knative's annotations and defaults, read as Knative reads them. */
import type { KnativeService } from '../manifests/schema.js';
import type { InstanceSpec } from './instance.js';
import type { ServiceSettings } from './service-runner.js';
import { parseKnativeDuration } from '../durations.js';

const A = 'autoscaling.knative.dev/';
/** Knative's defaults: stable window 60 s, request timeout 300 s, progress deadline 600 s. */
const DEFAULT_WINDOW_MS = 60_000;
const DEFAULT_TIMEOUT_S = 300;
/** What the activator buffers for a revision beyond its pods (config-autoscaler's default). */
const DEFAULT_BURST_CAPACITY = 200;

export interface SettingsOverrides {
  /** Replaces window + retention (tests and impatient users). */
  readonly idleMs?: number;
  readonly startTimeoutMs?: number;
}

export function serviceSettings(
  service: KnativeService,
  revision: string,
  instance: Omit<InstanceSpec, 'service' | 'revision' | 'readinessPath' | 'readinessPeriodMs' | 'startTimeoutMs'>,
  overrides: SettingsOverrides = {},
): ServiceSettings {
  const annotations = service.spec.template.metadata?.annotations ?? {};
  const spec = service.spec.template.spec;
  const container = spec.containers[0]!;
  const minScale = intAnnotation(annotations, `${A}min-scale`, 0);
  const maxScale = intAnnotation(annotations, `${A}max-scale`, 0) || 10;
  const window = durationAnnotation(annotations, `${A}window`) ?? DEFAULT_WINDOW_MS;
  const retention = durationAnnotation(annotations, `${A}scale-to-zero-pod-retention-period`) ?? 0;
  const probe = container.readinessProbe;
  return {
    name: service.metadata.name,
    revision,
    minScale,
    maxScale: Math.max(maxScale, minScale, 1),
    containerConcurrency: spec.containerConcurrency ?? 0,
    timeoutMs: (spec.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000,
    idleMs: overrides.idleMs ?? Math.max(window, retention),
    burstCapacity: Math.max(0, intAnnotation(annotations, `${A}target-burst-capacity`, DEFAULT_BURST_CAPACITY)),
    instance: {
      ...instance,
      service: service.metadata.name,
      revision,
      readinessPath: probe?.httpGet?.path ?? '/',
      readinessPeriodMs: (probe?.periodSeconds ?? 1) * 1000,
      startTimeoutMs: overrides.startTimeoutMs ?? 600_000,
    },
  };
}

function intAnnotation(annotations: Record<string, string>, key: string, fallback: number): number {
  const text = annotations[key];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`annotation ${key}: expected a non-negative integer, got "${text}"`);
  return value;
}

function durationAnnotation(annotations: Record<string, string>, key: string): number | undefined {
  const text = annotations[key];
  if (text === undefined) return undefined;
  const ms = parseKnativeDuration(text);
  if (ms === undefined) throw new Error(`annotation ${key}: expected a duration such as 30s or 1m, got "${text}"`);
  return ms;
}

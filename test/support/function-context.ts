/** A FunctionContext on real in-process adapters: fs store in a temp dir, in-memory event bus. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent, type CloudEventV1 } from 'cloudevents';
import { loadConfig, type Config } from '../../functions/lib/config.js';
import type { FunctionContext } from '../../functions/lib/context.js';
import { createMemoryEventBus } from '../../functions/lib/event-bus.js';
import { createLogger } from '../../functions/lib/logger.js';
import { createFsStore } from '../../functions/lib/store/fs.js';

export interface TestContext extends FunctionContext {
  readonly bus: ReturnType<typeof createMemoryEventBus>;
  cleanup(): Promise<void>;
}

export async function createTestContext(env: Record<string, string> = {}): Promise<TestContext> {
  const root = await mkdtemp(join(tmpdir(), 'pipeline-test-'));
  const config: Config = loadConfig({ K_SERVICE: env['K_SERVICE'] ?? 'test', K_REVISION: 'test-00001', HOSTNAME: 'test-instance', ...env, STORE_FS_ROOT: root });
  const store = createFsStore({ root, bucket: config.S3_BUCKET });
  await store.ensureReady();
  return {
    config,
    store,
    bus: createMemoryEventBus(),
    log: createLogger({ level: 'silent', service: config.identity.service }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** What a function receives after the HTTP round trip: a plain CloudEvent. */
export function received<T>(event: CloudEvent<T>): CloudEventV1<unknown> {
  return event.toJSON() as unknown as CloudEventV1<unknown>;
}

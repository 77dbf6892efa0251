/**
 * What every handler gets: config, ports and a logger. Built lazily on first use so that a
 * function starts (and answers its health probe) even while MinIO is still coming up; a failed
 * build is retried on the next request.
 */
import { getConfig, type Config } from './config.js';
import { createHttpEventBus, type EventBus } from './event-bus.js';
import { createLogger, type Logger } from './logger.js';
import { createStore, type ObjectStore } from './store/index.js';
import { StorageUnavailableError } from './errors.js';

export interface FunctionContext {
  readonly config: Config;
  readonly store: ObjectStore;
  /** Present when K_SINK is set (upload). */
  readonly bus: EventBus | undefined;
  readonly log: Logger;
}

/** Loads the context; `log` is there even while the context cannot be built (store down). */
export type ContextLoader = (() => Promise<FunctionContext>) & { readonly log?: Logger };

/**
 * `eager`: start building at once (an event function's instance is started for a request that is
 * already waiting, so connecting to the store overlaps the rest of the start instead of following
 * it). A failure then is not reported; the first request tries again and reports it.
 */
export function contextLoader(name: string, config: Config = getConfig(), options: { eager?: boolean } = {}): ContextLoader {
  const log = createLogger({ level: config.LOG_LEVEL, service: config.identity.service || name, revision: config.identity.revision, instance: config.identity.instance });
  let pending: Promise<FunctionContext> | undefined;
  const load = () => {
    pending ??= (async () => {
      const store = await createStore(config);
      try {
        await store.ensureReady();
      } catch (error) {
        throw new StorageUnavailableError(`Object store not ready: ${(error as Error).message}`, { cause: error });
      }
      const bus = config.K_SINK ? createHttpEventBus(config.K_SINK, { retryForMs: config.BROKER_PUBLISH_RETRY_FOR }) : undefined;
      return { config, store, bus, log };
    })().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  if (options.eager) load().catch(() => undefined);
  return Object.assign(load, { log });
}

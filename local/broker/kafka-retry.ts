/**
 * Admin calls that a young or just-restarted Kafka answers with transient errors for a while:
 * NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS until `__consumer_offsets` is loaded,
 * UNKNOWN_TOPIC_OR_PARTITION and LEADER_NOT_AVAILABLE for a topic created a moment ago.
 * kafkajs marks those `retriable` but gives up on some of them itself (its createTopics waits
 * only on LEADER_NOT_AVAILABLE), so the backend retries them here until a deadline.
 */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1_000;

export interface RetryOptions {
  /** Give up (rethrowing the last error) once this much time has passed. */
  readonly timeoutMs: number;
}

export async function retryWhileTransient<T>(attempt: () => Promise<T>, { timeoutMs }: RetryOptions): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientKafkaError(error) || Date.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}

/** A kafkajs error flagged retriable, directly or as the cause kafkajs's own retries gave up on. */
export function isTransientKafkaError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if ((current as { retriable?: unknown }).retriable === true) return true;
    current = (current as { cause?: unknown }).cause ?? (current as { originalError?: unknown }).originalError;
  }
  return false;
}

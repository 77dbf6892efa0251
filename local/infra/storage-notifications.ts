/**
 * MinIO → Kafka bucket notifications (DESIGN.md §6): the server env that declares the Kafka
 * target `PIPELINE`, and the bucket configuration that sends every object created under
 * `originals/` to it. eventing/600-storage-notifications.yaml consumes the topic.
 */
import { join } from 'node:path';

export const STORAGE_NOTIFICATIONS_TOPIC = 'file-pipeline-storage-notifications';
export const NOTIFY_TARGET_ID = 'PIPELINE';
/** The ARN MinIO gives the target above (no region configured). */
export const NOTIFY_TARGET_ARN = `arn:minio:sqs::${NOTIFY_TARGET_ID}:kafka`;
export const NOTIFIED_PREFIX = 'originals/';

/**
 * With a queue dir MinIO keeps the notifications it cannot deliver (Kafka down) and sends them
 * when Kafka is back, instead of dropping them.
 */
export function minioNotifyEnv(brokers: readonly string[], cacheDir: string): Record<string, string> {
  const id = NOTIFY_TARGET_ID;
  return {
    [`MINIO_NOTIFY_KAFKA_ENABLE_${id}`]: 'on',
    [`MINIO_NOTIFY_KAFKA_BROKERS_${id}`]: brokers.join(','),
    [`MINIO_NOTIFY_KAFKA_TOPIC_${id}`]: STORAGE_NOTIFICATIONS_TOPIC,
    [`MINIO_NOTIFY_KAFKA_QUEUE_DIR_${id}`]: join(cacheDir, 'minio', 'notify-queue'),
    [`MINIO_NOTIFY_KAFKA_VERSION_${id}`]: '3.6.0',
  };
}

export interface BucketEndpoint {
  readonly endPoint: string;
  readonly port: number;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
}

/** Creates the bucket if needed and points its `originals/` object-created events at the Kafka target (replacing its notification config). */
export async function ensureBucketNotification(endpoint: BucketEndpoint, bucket: string): Promise<void> {
  const { Client, NotificationConfig, QueueConfig, ObjectCreatedAll } = await import('minio');
  const client = new Client({ ...endpoint, region: 'us-east-1' });
  if (!(await client.bucketExists(bucket))) {
    await client.makeBucket(bucket, 'us-east-1').catch(async (error: unknown) => {
      if (!(await client.bucketExists(bucket))) throw error;
    });
  }
  const queue = new QueueConfig(NOTIFY_TARGET_ARN);
  queue.addFilterPrefix(NOTIFIED_PREFIX);
  queue.addEvent(ObjectCreatedAll);
  const config = new NotificationConfig();
  config.add(queue);
  try {
    await client.setBucketNotification(bucket, config);
  } catch (error) {
    if (!/ARN/i.test((error as Error).message)) throw error;
    throw new Error(
      `MinIO has no Kafka notification target ${NOTIFY_TARGET_ARN}: it was started without the MINIO_NOTIFY_KAFKA_* env of this version; restart it (npm run infra:down && npm run infra:up)`,
      { cause: error },
    );
  }
}

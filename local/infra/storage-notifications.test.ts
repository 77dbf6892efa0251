import { describe, expect, it } from 'vitest';
import { loadManifests } from '../manifests/load.js';
import { projectRoot } from '../project.js';
import { NOTIFIED_PREFIX, NOTIFY_TARGET_ARN, STORAGE_NOTIFICATIONS_TOPIC, minioNotifyEnv } from './storage-notifications.js';

describe('MinIO bucket notifications', () => {
  it('should publish to the topic the KafkaSource in eventing/ reads, for originals/ only', async () => {
    const { kafkaSources } = await loadManifests(projectRoot());
    expect(kafkaSources.map((source) => source.spec.topics)).toEqual([[STORAGE_NOTIFICATIONS_TOPIC]]);
    expect(kafkaSources[0]!.spec.sink.ref).toMatchObject({ kind: 'Service', name: 'upload' });
    expect(kafkaSources[0]!.spec.sink.uri).toBe('/storage-events');
    expect(NOTIFIED_PREFIX).toBe('originals/');
  });

  it('should declare one Kafka target whose ARN the bucket configuration names, with a queue dir', () => {
    const env = minioNotifyEnv(['127.0.0.1:19092'], '/cache');
    expect(env).toEqual({
      MINIO_NOTIFY_KAFKA_ENABLE_PIPELINE: 'on',
      MINIO_NOTIFY_KAFKA_BROKERS_PIPELINE: '127.0.0.1:19092',
      MINIO_NOTIFY_KAFKA_TOPIC_PIPELINE: STORAGE_NOTIFICATIONS_TOPIC,
      MINIO_NOTIFY_KAFKA_QUEUE_DIR_PIPELINE: '/cache/minio/notify-queue',
      MINIO_NOTIFY_KAFKA_VERSION_PIPELINE: '3.6.0',
    });
    expect(NOTIFY_TARGET_ARN).toBe('arn:minio:sqs::PIPELINE:kafka');
  });
});

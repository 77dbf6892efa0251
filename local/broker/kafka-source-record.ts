/**
 * A KafkaSource's view of a record that is not a CloudEvent (knative-semantics.md §6.1, EKB
 * InvalidCloudEventInterceptor): `dev.knative.kafka.event` with the record's coordinates as id
 * and subject, its key as `key`/`partitionkey`, each header as `kafkaheader<name>`, the value as data.
 */
import type { StoredEvent } from './backend.js';
import type { RawRecord } from './record-codec.js';

export interface PlainRecord extends RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Milliseconds since the epoch, as a string (kafkajs's form). */
  readonly timestamp: string;
}

export type PlainRecordWrapper = (record: PlainRecord) => StoredEvent;

export function kafkaSourceWrapper(namespace: string, sourceName: string): PlainRecordWrapper {
  return (record) => {
    const event: Record<string, unknown> = {
      specversion: '1.0',
      type: 'dev.knative.kafka.event',
      source: `/apis/v1/namespaces/${namespace}/kafkasources/${sourceName}#${record.topic}`,
      subject: `partition:${record.partition}#${record.offset}`,
      id: `partition:${record.partition}/offset:${record.offset}`,
      time: new Date(Number(record.timestamp)).toISOString(),
    };
    for (const [name, raw] of Object.entries(record.headers ?? {})) {
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (value === undefined) continue;
      const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
      if (name.toLowerCase() === 'content-type') event['datacontenttype'] = text.toLowerCase();
      const extension = `kafkaheader${name.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
      if (extension.length > 'kafkaheader'.length) event[extension] = text;
    }
    if (record.key !== null) {
      const key = Buffer.isBuffer(record.key) ? record.key.toString('utf8') : record.key;
      event['key'] = key;
      event['partitionkey'] = key;
    }
    if (record.value !== null) event['data'] = record.value;
    return event as unknown as StoredEvent;
  };
}

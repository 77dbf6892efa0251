import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'minio';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Infra, InfraConfigError, PortTakenError, ensureInfra, infraStatus, loadInfraConfig } from '../local/infra/index.js';
import { defaultCacheDir } from '../local/infra/paths.js';

/** The first run collects Kafka's jars and builds MinIO from source: minutes, not seconds. */
const FIRST_INSTALL_TIMEOUT_MS = 20 * 60_000;
const ROUNDTRIP_TIMEOUT_MS = 60_000;

const uniqueName = (prefix: string) => `${prefix}-${Date.now()}-${randomBytes(4).toString('hex')}`;

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('infra configuration', () => {
  it('names the variable that is invalid', () => {
    expect(() => loadInfraConfig({ INFRA_KAFKA_PORT: 'ninety' })).toThrow(InfraConfigError);
    expect(() => loadInfraConfig({ INFRA_KAFKA_PORT: 'ninety' })).toThrow(/INFRA_KAFKA_PORT/);
    expect(() => loadInfraConfig({ MINIO_ROOT_PASSWORD: 'short' })).toThrow(/MINIO_ROOT_PASSWORD/);
  });

  it('defaults to loopback ports and the XDG cache dir', () => {
    const config = loadInfraConfig({ XDG_CACHE_HOME: '/var/cache/someone' });
    expect(config.cacheDir).toBe('/var/cache/someone/knative-file-pipeline');
    expect(config.kafka).toEqual({ port: 19092, controllerPort: 19093 });
    expect(config.minio).toMatchObject({ port: 19000, consolePort: 19001, rootUser: 'minioadmin' });
    expect(defaultCacheDir({}, '/tmp/elsewhere')).toBe('/tmp/elsewhere');
  });

  it('refuses a port that another process holds, before installing anything', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    const cacheDir = mkdtempSync(join(tmpdir(), 'infra-port-test-'));
    try {
      const env = { PIPELINE_CACHE_DIR: cacheDir, INFRA_MINIO_PORT: String(port), INFRA_MINIO_CONSOLE_PORT: String(port + 1) };
      await expect(ensureInfra({ kafka: false, env })).rejects.toThrow(PortTakenError);
    } finally {
      squatter.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

describe('local infra: real Kafka and MinIO on loopback', () => {
  let infra: Infra;

  beforeAll(async () => {
    infra = await ensureInfra({ log: (line) => console.log(`[infra] ${line}`) });
  }, FIRST_INSTALL_TIMEOUT_MS);

  it(
    'Kafka delivers a produced message to a consumer',
    async () => {
      const kafka = new Kafka({ clientId: 'infra-test', brokers: infra.kafka.brokers, logLevel: logLevel.NOTHING });
      const topic = uniqueName('infra-test');
      const admin = kafka.admin();
      const producer = kafka.producer();
      const consumer = kafka.consumer({ groupId: uniqueName('infra-test-group'), maxWaitTimeInMs: 100 });
      try {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
        await Promise.all([producer.connect(), consumer.connect()]);
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = new Promise<string>((resolve) => {
          void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString('utf8') ?? '') });
        });
        const payload = `hello ${randomBytes(8).toString('hex')}`;
        await producer.send({ topic, messages: [{ key: 'k', value: payload }] });
        expect(await received).toBe(payload);
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => {});
        await admin.disconnect();
      }
    },
    ROUNDTRIP_TIMEOUT_MS,
  );

  it(
    'MinIO stores and returns an object',
    async () => {
      const { endPoint, port, useSSL, accessKey, secretKey } = infra.minio;
      const minio = new Client({ endPoint, port, useSSL, accessKey, secretKey });
      const bucket = uniqueName('infra-test');
      const body = `file body ${randomBytes(8).toString('hex')}`;
      await minio.makeBucket(bucket);
      try {
        await minio.putObject(bucket, 'hello.txt', Buffer.from(body), body.length, { 'Content-Type': 'text/plain' });
        expect(await readAll(await minio.getObject(bucket, 'hello.txt'))).toBe(body);
        expect((await minio.statObject(bucket, 'hello.txt')).size).toBe(body.length);
      } finally {
        await minio.removeObject(bucket, 'hello.txt').catch(() => {});
        await minio.removeBucket(bucket);
      }
    },
    ROUNDTRIP_TIMEOUT_MS,
  );

  it('a second ensureInfra() is a no-op that finds the same processes', async () => {
    const again = await ensureInfra();
    expect(again.processes.kafka).toMatchObject({ pid: infra.processes.kafka?.pid, alreadyRunning: true, timings: [] });
    expect(again.processes.minio).toMatchObject({ pid: infra.processes.minio?.pid, alreadyRunning: true, timings: [] });
    expect(again.kafka).toEqual(infra.kafka);
    expect(again.minio).toEqual(infra.minio);
  });

  it('reports both servers ready, with pid and memory', async () => {
    const status = await infraStatus();
    expect(status.kafka).toMatchObject({ running: true, ready: true, pid: infra.processes.kafka?.pid, brokers: infra.kafka.brokers });
    expect(status.minio).toMatchObject({ running: true, ready: true, pid: infra.processes.minio?.pid, consoleUrl: infra.minio.consoleUrl });
    expect(status.kafka.rssKiB).toBeGreaterThan(0);
    expect(status.minio.rssKiB).toBeGreaterThan(0);
  });
});

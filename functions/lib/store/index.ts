import type { Config } from '../config.js';
import { createFsStore } from './fs.js';
import type { ObjectStore } from './port.js';

export type { ObjectStore, ObjectInfo, ListedObject, PutOptions } from './port.js';
export { readAll, listKeys, deletePrefix } from './port.js';

/** The adapter the config names; the MinIO client is loaded only when it is used. */
export async function createStore(config: Config): Promise<ObjectStore> {
  if (config.STORE_DRIVER === 'minio') {
    const { createMinioStore } = await import('./minio.js');
    const endpoint = new URL(config.S3_ENDPOINT);
    return createMinioStore({
      endPoint: endpoint.hostname,
      port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
      useSSL: endpoint.protocol === 'https:',
      accessKey: config.S3_ACCESS_KEY,
      secretKey: config.S3_SECRET_KEY,
      region: config.S3_REGION,
      bucket: config.S3_BUCKET,
      ...(config.S3_PUBLIC_ENDPOINT ? { publicEndpoint: new URL(config.S3_PUBLIC_ENDPOINT).origin } : {}),
    });
  }
  return createFsStore({ root: config.STORE_FS_ROOT, bucket: config.S3_BUCKET });
}

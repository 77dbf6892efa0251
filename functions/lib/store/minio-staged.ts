/**
 * Staged uploads on S3/MinIO itself: presigned PUTs for a whole object or for multipart parts,
 * the multipart calls (create, list parts, complete, abort) made with our keys. URLs are signed
 * for the endpoint clients can reach (S3_PUBLIC_ENDPOINT), which may differ from ours.
 */
import type http from 'node:http';
import { NotFoundError, StorageUnavailableError } from '../errors.js';
import { readBody, xmlBlocks, xmlText } from './s3-wire.js';
import { canonicalQueryOf, s3Path, type SigV4 } from './sigv4.js';
import type { ObjectHeaders, PresignedRequest, StagedUploads, UploadedPart } from './staged-uploads.js';

const META_PREFIX = 'x-amz-meta-';

type Request = (
  context: { op: string; key?: string },
  req: { method: string; key?: string; query?: string; headers?: Record<string, string> },
  payload?: Buffer | string,
  expectedCodes?: readonly number[],
) => Promise<http.IncomingMessage>;

export interface S3StagedOptions {
  readonly bucket: string;
  readonly request: Request;
  readonly sigv4: SigV4;
  /** scheme://host[:port] the presigned URLs point at. */
  readonly publicEndpoint: string;
}

export function createS3StagedUploads({ bucket, request, sigv4, publicEndpoint }: S3StagedOptions): StagedUploads {
  const publicUrl = new URL(publicEndpoint);

  function presign(key: string, query: Record<string, string>, headers: Record<string, string>, expiresInSeconds: number): PresignedRequest {
    const path = s3Path(bucket, key);
    const signed: Record<string, string> = { host: publicUrl.host, ...headers };
    const search = sigv4.presignedQuery('PUT', path, query, signed, expiresInSeconds);
    const { host: _host, 'content-length': _length, ...clientHeaders } = signed;
    return { method: 'PUT', url: `${publicUrl.protocol}//${publicUrl.host}${path}?${search}`, headers: clientHeaders };
  }

  const uploadQuery = (uploadId: string, extra: Record<string, string> = {}) => canonicalQueryOf({ uploadId, ...extra });

  return {
    async presignPut(key, { contentType, metadata }, size, expiresInSeconds) {
      const headers: Record<string, string> = { 'content-type': contentType, 'content-length': String(size) };
      for (const [name, value] of Object.entries(metadata)) headers[META_PREFIX + name] = value;
      return presign(key, {}, headers, expiresInSeconds);
    },

    async createMultipart(key, { contentType, metadata }: ObjectHeaders) {
      const headers: Record<string, string> = { 'Content-Type': contentType };
      for (const [name, value] of Object.entries(metadata)) headers[META_PREFIX + name] = value;
      const response = await request({ op: 'createMultipart', key }, { method: 'POST', key, query: 'uploads=', headers });
      const uploadId = xmlText(await readBody(response), 'UploadId');
      if (!uploadId) throw new StorageUnavailableError(`createMultipart ${bucket}/${key}: the server sent no UploadId`);
      return uploadId;
    },

    async presignPart(key, uploadId, partNumber, size, expiresInSeconds) {
      return presign(key, { partNumber: String(partNumber), uploadId }, { 'content-length': String(size) }, expiresInSeconds);
    },

    async listParts(key, uploadId) {
      const parts: UploadedPart[] = [];
      let marker = '0';
      for (;;) {
        const query = uploadQuery(uploadId, { 'max-parts': '1000', 'part-number-marker': marker });
        const response = await request({ op: 'listParts', key }, { method: 'GET', key, query }).catch((error: unknown) => {
          throw unknownUpload(error, uploadId);
        });
        const xml = await readBody(response);
        for (const block of xmlBlocks(xml, 'Part')) {
          parts.push({
            partNumber: Number(xmlText(block, 'PartNumber')),
            size: Number(xmlText(block, 'Size')),
            etag: (xmlText(block, 'ETag') ?? '').replace(/"/g, ''),
          });
        }
        if (xmlText(xml, 'IsTruncated') !== 'true') return parts;
        marker = xmlText(xml, 'NextPartNumberMarker') ?? '';
        if (!marker) throw new StorageUnavailableError(`listParts ${bucket}/${key}: a truncated listing came without a marker`);
      }
    },

    async completeMultipart(key, uploadId, parts) {
      const xml =
        '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        [...parts]
          .sort((a, b) => a.partNumber - b.partNumber)
          .map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>"${part.etag}"</ETag></Part>`)
          .join('') +
        '</CompleteMultipartUpload>';
      const response = await request({ op: 'completeMultipart', key }, { method: 'POST', key, query: uploadQuery(uploadId) }, xml).catch(
        (error: unknown) => {
          throw unknownUpload(error, uploadId);
        },
      );
      const body = await readBody(response);
      // CompleteMultipartUpload can fail after a 200 status, with the error in the body.
      if (body.includes('<Error>')) {
        throw new StorageUnavailableError(`completeMultipart ${bucket}/${key}: ${xmlText(body, 'Code') ?? 'error'}: ${xmlText(body, 'Message') ?? ''}`);
      }
    },

    async abortMultipart(key, uploadId) {
      try {
        (await request({ op: 'abortMultipart', key }, { method: 'DELETE', key, query: uploadQuery(uploadId) }, '', [200, 204])).resume();
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    },
  };
}

function unknownUpload(error: unknown, uploadId: string): unknown {
  if (error instanceof NotFoundError) return new NotFoundError(`No multipart upload ${uploadId} (completed, aborted or never started)`, { cause: error });
  return error;
}

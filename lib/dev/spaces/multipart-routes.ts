import { promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import type { MultipartUploads } from './multipart';
import type { S3RequestInfo } from './request-info';
import { noSuchBucket, noSuchUpload, sendError, sendXml, xmlDocument, xmlFields } from './s3-xml';

/** S3 caps list pages at 1000 entries. */
const MAX_PAGE = 1000;
// s3rver's single account, as it reports itself in bucket listings.
const OWNER = `<ID>123456789000</ID><DisplayName>S3rver</DisplayName>`;

function pageSize(raw: string | null): number {
  const n = raw === null ? MAX_PAGE : Number.parseInt(raw, 10);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, MAX_PAGE) : MAX_PAGE;
}

async function bucketExists(directory: string, bucket: string): Promise<boolean> {
  return fs.stat(path.join(directory, bucket)).then(
    (stat) => stat.isDirectory(),
    () => false,
  );
}

/** Answers ListMultipartUploads (`GET /<bucket>?uploads`) with prefix, marker and max-uploads support; delimiters are ignored. */
export async function listMultipartUploads(
  info: S3RequestInfo & { bucket: string },
  res: ServerResponse,
  uploads: MultipartUploads,
  directory: string,
): Promise<void> {
  if (!(await bucketExists(directory, info.bucket))) return sendError(res, noSuchBucket(info.bucket), info.rawPath);
  const prefix = info.query.get('prefix') ?? '';
  const keyMarker = info.query.get('key-marker') ?? '';
  const uploadIdMarker = info.query.get('upload-id-marker') ?? '';
  const maxUploads = pageSize(info.query.get('max-uploads'));
  const encode = info.query.get('encoding-type') === 'url' ? encodeURIComponent : (key: string) => key;

  const all = (await uploads.list(info.bucket)).filter((u) => u.key.startsWith(prefix));
  let start = 0;
  if (keyMarker) {
    const exact = all.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker);
    start = uploadIdMarker && exact >= 0 ? exact + 1 : all.filter((u) => u.key <= keyMarker).length;
  }
  const page = all.slice(start, start + maxUploads);
  const truncated = start + page.length < all.length;
  const last = page.at(-1);
  const body = xmlDocument(
    'ListMultipartUploadsResult',
    xmlFields({
      Bucket: info.bucket,
      KeyMarker: encode(keyMarker),
      UploadIdMarker: uploadIdMarker,
      NextKeyMarker: encode(truncated && last ? last.key : ''),
      NextUploadIdMarker: truncated && last ? last.uploadId : '',
      Prefix: encode(prefix),
      MaxUploads: maxUploads,
      IsTruncated: truncated,
    }) +
      (info.query.get('encoding-type') === 'url' ? xmlFields({ EncodingType: 'url' }) : '') +
      page
        .map(
          (u) =>
            `<Upload>${xmlFields({ Key: encode(u.key), UploadId: u.uploadId })}` +
            `<Initiator>${OWNER}</Initiator><Owner>${OWNER}</Owner>` +
            `${xmlFields({ StorageClass: 'STANDARD', Initiated: u.initiated.toISOString() })}</Upload>`,
        )
        .join(''),
  );
  sendXml(res, 200, body);
}

/** Answers AbortMultipartUpload (`DELETE /<bucket>/<key>?uploadId=…`): 204 and the parts deleted, or 404 NoSuchUpload. */
export async function abortMultipartUpload(info: ObjectRequest, res: ServerResponse, uploads: MultipartUploads) {
  const uploadId = await uploadOfKey(info, uploads);
  if (uploadId === null || !(await uploads.abort(info.bucket, uploadId))) {
    return sendError(res, noSuchUpload(info.query.get('uploadId') ?? ''), info.rawPath);
  }
  res.writeHead(204).end();
}

type ObjectRequest = S3RequestInfo & { bucket: string; key: string };

// The request's `uploadId` when that upload exists and belongs to the request's key; otherwise null (NoSuchUpload).
async function uploadOfKey(info: ObjectRequest, uploads: MultipartUploads): Promise<string | null> {
  const uploadId = info.query.get('uploadId') ?? '';
  return (await uploads.keyOf(info.bucket, uploadId)) === info.key ? uploadId : null;
}

/** Answers ListParts (`GET /<bucket>/<key>?uploadId=…`) from the parts s3rver has stored. */
export async function listParts(info: ObjectRequest, res: ServerResponse, uploads: MultipartUploads): Promise<void> {
  const uploadId = await uploadOfKey(info, uploads);
  const parts = uploadId === null ? undefined : await uploads.parts(info.bucket, uploadId);
  if (uploadId === null || !parts) return sendError(res, noSuchUpload(info.query.get('uploadId') ?? ''), info.rawPath);
  const marker = Number.parseInt(info.query.get('part-number-marker') ?? '0', 10) || 0;
  const maxParts = pageSize(info.query.get('max-parts'));
  const after = parts.filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = page.length < after.length;
  const body = xmlDocument(
    'ListPartsResult',
    xmlFields({ Bucket: info.bucket, Key: info.key, UploadId: uploadId }) +
      `<Initiator>${OWNER}</Initiator><Owner>${OWNER}</Owner>` +
      xmlFields({
        StorageClass: 'STANDARD',
        PartNumberMarker: marker,
        NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
        MaxParts: maxParts,
        IsTruncated: truncated,
      }) +
      page
        .map(
          (p) =>
            `<Part>${xmlFields({
              PartNumber: p.partNumber,
              LastModified: p.lastModified.toISOString(),
              ETag: p.etag,
              Size: p.size,
            })}</Part>`,
        )
        .join(''),
  );
  sendXml(res, 200, body);
}

import type { IncomingMessage } from 'node:http';

/** What an S3 request does, as far as the proxy cares. */
export type S3Operation =
  | 'put-object'
  | 'delete-object'
  | 'read-object'
  | 'create-multipart'
  | 'upload-part'
  | 'complete-multipart'
  | 'abort-multipart'
  | 'list-parts'
  | 'list-multipart-uploads'
  | 'other';

/** A path-style S3 request, decoded. */
export interface S3RequestInfo {
  method: string;
  operation: S3Operation;
  bucket: string | undefined;
  /** Decoded object key, without the bucket. */
  key: string | undefined;
  /** The request path as sent (still percent-encoded), without the query. */
  rawPath: string;
  query: URLSearchParams;
}

// Object sub-resources that make a PUT/GET/DELETE something other than a plain object operation.
const OBJECT_SUBRESOURCES = ['acl', 'tagging', 'legal-hold', 'retention', 'torrent', 'select', 'restore', 'attributes'];

function objectOperation(method: string, query: URLSearchParams): S3Operation {
  const hasSubresource = OBJECT_SUBRESOURCES.some((name) => query.has(name));
  const uploadId = query.has('uploadId');
  switch (method) {
    case 'PUT':
      if (uploadId) return 'upload-part';
      return hasSubresource ? 'other' : 'put-object';
    case 'POST':
      if (query.has('uploads')) return 'create-multipart';
      return uploadId ? 'complete-multipart' : 'other';
    case 'DELETE':
      if (uploadId) return 'abort-multipart';
      return hasSubresource ? 'other' : 'delete-object';
    case 'GET':
    case 'HEAD':
      if (uploadId) return method === 'GET' ? 'list-parts' : 'other';
      return hasSubresource || query.has('uploads') ? 'other' : 'read-object';
    default:
      return 'other';
  }
}

/** Classifies a path-style request (`/<bucket>/<key>?…`); virtual-hosted requests come out as `other`. */
export function describeRequest(req: Pick<IncomingMessage, 'method' | 'url'>): S3RequestInfo {
  const method = (req.method ?? 'GET').toUpperCase();
  // Split by hand: WHATWG URL parsing would resolve `.`/`..` segments, which are legal in S3 keys.
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const rawPath = queryStart >= 0 ? target.slice(0, queryStart) : target;
  const query = new URLSearchParams(queryStart >= 0 ? target.slice(queryStart + 1) : '');
  const [, rawBucket = '', ...rawKey] = rawPath.split('/');
  const bucket = rawBucket ? safeDecode(rawBucket) : undefined;
  const key = rawKey.length > 0 && rawKey.join('/') !== '' ? safeDecode(rawKey.join('/')) : undefined;
  let operation: S3Operation = 'other';
  if (bucket !== undefined && key !== undefined) operation = objectOperation(method, query);
  else if (bucket !== undefined && method === 'GET' && query.has('uploads')) operation = 'list-multipart-uploads';
  return { method, operation, bucket, key, rawPath, query };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

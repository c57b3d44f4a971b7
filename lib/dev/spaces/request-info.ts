import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';

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
  | 'delete-objects'
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

/**
 * Classifies a request as if it were path-style (`/<bucket>/<key>?…`); check {@link isPathStyleHost}
 * first, since s3rver reads the bucket of a virtual-hosted request from its Host header instead.
 */
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
  else if (bucket !== undefined && method === 'POST' && query.has('delete')) operation = 'delete-objects';
  return { method, operation, bucket, key, rawPath, query };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Methods that never change an object. */
export const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

// s3rver's default service endpoint is amazonaws.com; `<bucket>.s3….amazonaws.com` hosts are virtual-hosted.
const AMAZONAWS = /(^|\.)amazonaws\.com$/i;
const HOSTNAME = hostname();

/**
 * Whether s3rver 3.7.1 will read a request with this Host header as path-style, the only style the
 * proxy understands: it does for an IP address, `localhost` or this machine's host name (what
 * clients pointed at the proxy's `http://127.0.0.1:<port>` send), and treats any other host name
 * as the bucket. Errs towards `false` for anything unusual (no Host, IPv6 literals, userinfo).
 */
export function isPathStyleHost(host: string | undefined): boolean {
  const match = host === undefined ? null : /^([^:@,[\]\s]+)(?::\d*)?$/.exec(host.trim());
  const name = match?.[1];
  if (name === undefined || AMAZONAWS.test(name)) return false;
  return isIP(name) !== 0 || name === 'localhost' || name === HOSTNAME;
}

/**
 * The identity of an object as s3rver stores it: the path of its data file, built like s3rver's
 * `FilesystemStore#getResourcePath` (`path.join` of the data directory, bucket, key segments and a
 * suffix). Keys that name one file (`a/./b`, `a//b`, `x/../a/b`) therefore share a lock and an
 * ETag index entry. Keys that differ only in letter case still get different identities, although
 * a case-insensitive file system (macOS's default) stores them in one file.
 */
export function objectId(directory: string, bucket: string, key: string): string {
  const encoded =
    process.platform === 'win32'
      ? key.replace(/[<>:"\\|?*]/g, (ch) => `&${Buffer.from(ch, 'utf8').toString('hex')}`)
      : key;
  const parts = encoded.split('/');
  const last = parts.pop() ?? '';
  return path.join(directory, bucket, ...parts, `${last}._S3rver_object`);
}

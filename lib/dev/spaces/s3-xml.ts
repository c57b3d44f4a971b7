import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

/** Escapes text for use inside an XML element. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => XML_ENTITIES[ch] ?? ch);
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/**
 * Undoes XML escaping in element text: the five predefined entities and numeric character
 * references (`&#39;`, `&#x27;`); anything else (an unknown entity, a reference to an invalid
 * code point) is left as written.
 */
export function unescapeXml(text: string): string {
  return text.replace(/&(#[0-9]+|#x[0-9a-fA-F]+|[a-z]+);/g, (entity: string, name: string) => {
    if (!name.startsWith('#')) return NAMED_ENTITIES[name] ?? entity;
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

/**
 * The unescaped text of every `<tag>…</tag>` element in `xml`, in order. A plain scan, enough for
 * the flat documents S3 clients and s3rver write; elements with attributes or CDATA are not seen.
 */
export function elementTexts(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  return Array.from(xml.matchAll(pattern), (match) => unescapeXml(match[1] ?? ''));
}

/** Renders `<Tag>value</Tag>` pairs in order, escaping values. */
export function xmlFields(fields: Record<string, string | number | boolean>): string {
  return Object.entries(fields)
    .map(([tag, value]) => `<${tag}>${escapeXml(String(value))}</${tag}>`)
    .join('');
}

/** Wraps `inner` in an S3 result document with the S3 namespace. */
export function xmlDocument(root: string, inner: string): string {
  return `${XML_DECLARATION}<${root} xmlns="${S3_NAMESPACE}">${inner}</${root}>`;
}

/** An S3 error as the proxy renders it: HTTP status, S3 code, message and extra fields such as `Condition`. */
export interface S3ErrorSpec {
  status: number;
  code: string;
  message: string;
  extra?: Record<string, string>;
}

/** The 412 S3 sends when an `If-Match` or `If-None-Match` write condition does not hold. */
export function preconditionFailed(condition: 'If-Match' | 'If-None-Match'): S3ErrorSpec {
  return {
    status: 412,
    code: 'PreconditionFailed',
    message: 'At least one of the pre-conditions you specified did not hold',
    extra: { Condition: condition },
  };
}

/** The 404 S3 sends for a missing key (also for `If-Match` on a missing key). */
export function noSuchKey(key: string): S3ErrorSpec {
  return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', extra: { Key: key } };
}

/** The 404 S3 sends for an unknown or finished multipart upload id. */
export function noSuchUpload(uploadId: string): S3ErrorSpec {
  return {
    status: 404,
    code: 'NoSuchUpload',
    message:
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    extra: { UploadId: uploadId },
  };
}

/** The 404 S3 sends for a bucket that does not exist. */
export function noSuchBucket(bucket: string): S3ErrorSpec {
  return {
    status: 404,
    code: 'NoSuchBucket',
    message: 'The specified bucket does not exist',
    extra: { BucketName: bucket },
  };
}

/** A generic retriable 500. */
export const INTERNAL_ERROR: S3ErrorSpec = {
  status: 500,
  code: 'InternalError',
  message: 'We encountered an internal error. Please try again.',
};

/** S3's throttling answer, which the AWS SDK retries with backoff. */
export const SLOW_DOWN: S3ErrorSpec = { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };

function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** Writes `body` as an S3-style XML response with a fresh request id. */
export function sendXml(res: ServerResponse, status: number, body: string, requestId = newRequestId()): void {
  const payload = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': String(payload.length),
    'x-amz-request-id': requestId,
    'x-amz-id-2': requestId,
  });
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}

/** Answers with an S3 XML error document. */
export function sendError(res: ServerResponse, error: S3ErrorSpec, resource = ''): void {
  const requestId = newRequestId();
  const body =
    `${XML_DECLARATION}<Error>` +
    xmlFields({ Code: error.code, Message: error.message, ...error.extra, Resource: resource, RequestId: requestId }) +
    '</Error>';
  sendXml(res, error.status, body, requestId);
}

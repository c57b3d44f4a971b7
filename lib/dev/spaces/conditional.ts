import type { IncomingHttpHeaders } from 'node:http';
import { noSuchKey, preconditionFailed, type S3ErrorSpec } from './s3-xml';

/** The write preconditions of a request: `If-Match` and `If-None-Match` entity tags, if present. */
export interface WriteConditions {
  ifMatch: string[] | undefined;
  ifNoneMatch: string[] | undefined;
}

function parseEtags(header: string | string[] | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  const joined = Array.isArray(header) ? header.join(',') : header;
  return joined
    .split(',')
    .map(normalizeEtag)
    .filter((tag) => tag !== '');
}

/** Strips quotes and a weak-validator prefix, so `W/"abc"`, `"abc"` and `abc` compare equal. */
export function normalizeEtag(tag: string): string {
  return tag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

/** Reads `If-Match` / `If-None-Match` from request headers; `undefined` when the write is unconditional. */
export function readConditions(headers: IncomingHttpHeaders): WriteConditions | undefined {
  const ifMatch = parseEtags(headers['if-match']);
  const ifNoneMatch = parseEtags(headers['if-none-match']);
  return ifMatch || ifNoneMatch ? { ifMatch, ifNoneMatch } : undefined;
}

/** What S3 answers for a write whose `If-None-Match` is not `*`, the only value it supports on writes. */
export const IF_NONE_MATCH_NOT_IMPLEMENTED: S3ErrorSpec = {
  status: 501,
  code: 'NotImplemented',
  message: 'A header you provided implies functionality that is not implemented',
  extra: { Header: 'If-None-Match' },
};

/**
 * Evaluates write preconditions against the object's current ETag (`undefined` = no object), the way
 * S3 does: `If-Match` on a missing key is 404 NoSuchKey, a different ETag is 412, and
 * `If-None-Match: *` on an existing key is 412. Returns `undefined` when the write may proceed.
 */
export function checkConditions(
  conditions: WriteConditions,
  currentEtag: string | undefined,
  key: string,
): S3ErrorSpec | undefined {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifNoneMatch && !(ifNoneMatch.length === 1 && ifNoneMatch[0] === '*')) return IF_NONE_MATCH_NOT_IMPLEMENTED;
  const current = currentEtag === undefined ? undefined : normalizeEtag(currentEtag);
  if (ifMatch) {
    if (current === undefined) return noSuchKey(key);
    if (!ifMatch.includes('*') && !ifMatch.includes(current)) return preconditionFailed('If-Match');
  }
  if (ifNoneMatch && current !== undefined) return preconditionFailed('If-None-Match');
  return undefined;
}

import { describe, expect, it } from 'vitest';
import { checkConditions, normalizeEtag, readConditions } from '../../../lib/dev/spaces/conditional';

const ETAG = '"0cc175b9c0f1b6a831c399e269772661"';

describe('readConditions', () => {
  it('returns undefined for an unconditional write', () => {
    expect(readConditions({ 'content-type': 'application/json' })).toBeUndefined();
  });

  it('parses quoted, weak and comma-separated entity tags', () => {
    expect(readConditions({ 'if-match': `W/${ETAG}, "b"` })).toEqual({
      ifMatch: [normalizeEtag(ETAG), 'b'],
      ifNoneMatch: undefined,
    });
  });
});

describe('checkConditions', () => {
  const check = (headers: Record<string, string>, current: string | undefined) =>
    checkConditions(readConditions(headers) ?? { ifMatch: undefined, ifNoneMatch: undefined }, current, 'k.json');

  it('allows If-None-Match: * when the key is missing and refuses it with 412 when it exists', () => {
    expect(check({ 'if-none-match': '*' }, undefined)).toBeUndefined();
    expect(check({ 'if-none-match': '*' }, ETAG)).toMatchObject({
      status: 412,
      code: 'PreconditionFailed',
      extra: { Condition: 'If-None-Match' },
    });
  });

  it('allows a matching If-Match, refuses a different one with 412, and a missing key with 404', () => {
    expect(check({ 'if-match': ETAG }, ETAG)).toBeUndefined();
    expect(check({ 'if-match': '"other"' }, ETAG)).toMatchObject({ status: 412, extra: { Condition: 'If-Match' } });
    expect(check({ 'if-match': ETAG }, undefined)).toMatchObject({ status: 404, code: 'NoSuchKey' });
  });

  it('answers 501 for If-None-Match with an entity tag, which S3 does not support on writes', () => {
    expect(check({ 'if-none-match': ETAG }, undefined)).toMatchObject({ status: 501, code: 'NotImplemented' });
  });
});

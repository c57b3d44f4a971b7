import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { EtagIndex } from '../../../lib/dev/spaces/etag-index';
import { isPathStyleHost, objectId } from '../../../lib/dev/spaces/request-info';
import { elementTexts, unescapeXml } from '../../../lib/dev/spaces/s3-xml';

describe('EtagIndex', () => {
  it('tells a known ETag, a known missing object and an unknown one apart', () => {
    // Prepare
    const index = new EtagIndex();

    // Act
    index.record('a', '"1"', index.generation);
    index.record('b', null, index.generation);

    // Assess
    expect(index.lookup('a')).toBe('"1"');
    expect(index.lookup('b')).toBeNull();
    expect(index.lookup('c')).toBeUndefined();
    expect(index.size).toBe(2);
  });

  it('forgets an invalidated entry', () => {
    // Prepare
    const index = new EtagIndex();
    index.record('a', '"1"', index.generation);

    // Act
    index.invalidate('a');

    // Assess
    expect(index.lookup('a')).toBeUndefined();
  });

  it('refuses answers read before a clear, and drops what it had for that object', () => {
    // Prepare
    const index = new EtagIndex();
    const before = index.generation;
    index.record('a', '"1"', before);

    // Act
    index.clear();
    index.record('b', '"2"', index.generation);
    index.record('a', '"stale"', before);
    index.record('b', '"stale"', before);

    // Assess
    expect(index.lookup('a')).toBeUndefined();
    expect(index.lookup('b')).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('stays within its limit by dropping the entry written longest ago', () => {
    // Prepare
    const index = new EtagIndex(3);

    // Act
    for (const id of ['a', 'b', 'c']) index.record(id, `"${id}"`, index.generation);
    index.record('a', '"a2"', index.generation); // rewritten: now the newest
    index.record('d', '"d"', index.generation);

    // Assess
    expect(index.size).toBe(3);
    expect(index.lookup('b')).toBeUndefined();
    expect([index.lookup('a'), index.lookup('c'), index.lookup('d')]).toEqual(['"a2"', '"c"', '"d"']);
  });

  it('keeps nothing with a limit of 0', () => {
    const index = new EtagIndex(0);
    index.record('a', '"1"', index.generation);
    expect(index.size).toBe(0);
  });
});

describe('unescapeXml and elementTexts', () => {
  it('decodes the predefined entities and numeric references, leaving unknown entities alone', () => {
    expect(unescapeXml('a&amp;b&lt;c&gt;d&quot;e&apos;f&#39;g&#x27;h&#x1F600;&eacute;&#1114112;')).toBe(
      `a&b<c>d"e'f'g'h\u{1F600}&eacute;&#1114112;`,
    );
  });

  it('reads every <Key> of a DeleteObjects body in order', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Object><Key>a&amp;b.json</Key></Object><Object><Key>c&lt;&#x27;.json</Key><VersionId>1</VersionId></Object>' +
      '<Quiet>true</Quiet></Delete>';
    expect(elementTexts(xml, 'Key')).toEqual(['a&b.json', "c<'.json"]);
  });
});

describe('isPathStyleHost', () => {
  it('accepts what clients of http://127.0.0.1:<port> or localhost send', () => {
    expect(isPathStyleHost('127.0.0.1:4568')).toBe(true);
    expect(isPathStyleHost('127.0.0.1')).toBe(true);
    expect(isPathStyleHost('localhost:4568')).toBe(true);
    expect(isPathStyleHost(`${hostname()}:4568`)).toBe(true);
  });

  it('rejects hosts s3rver reads as a bucket, and anything unusual', () => {
    expect(isPathStyleHost('my-bucket.localhost:4568')).toBe(false);
    expect(isPathStyleHost('my-bucket.s3.amazonaws.com')).toBe(false);
    expect(isPathStyleHost('[::1]:4568')).toBe(false);
    expect(isPathStyleHost('user@127.0.0.1')).toBe(false);
    expect(isPathStyleHost(undefined)).toBe(false);
    expect(isPathStyleHost('')).toBe(false);
  });
});

describe('objectId', () => {
  it('gives keys that name one s3rver file one identity, and others different ones', () => {
    const id = (key: string) => objectId('/data', 'b', key);
    expect(id('a/./b.json')).toBe(id('a/b.json'));
    expect(id('a//b.json')).toBe(id('a/b.json'));
    expect(id('x/../a/b.json')).toBe(id('a/b.json'));
    expect(id('a/b.json')).not.toBe(id('a/b.json/'));
    expect(id('a/b')).not.toBe(objectId('/data', 'c', 'a/b'));
  });
});

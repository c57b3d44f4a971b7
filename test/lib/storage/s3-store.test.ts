import { Readable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBox } from '../../../lib/crypto/token-box';
import { spacesEnv } from '../../../lib/dev/spaces';
import { PreconditionFailedError, StorageError } from '../../../lib/errors';
import { createS3Store } from '../../../lib/storage/s3-store';
import type { ObjectStore } from '../../../lib/storage/store';
import { createTokenVault } from '../../../lib/vault/token-vault';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';

describe('S3 store against the real local S3 server', () => {
  let t: TestSpaces;
  let store: ObjectStore;

  beforeAll(async () => {
    t = await startTestSpaces();
    store = createS3Store(spacesEnv(t.spaces));
  });
  afterAll(async () => t?.cleanup());

  it('round-trips JSON, lists by prefix and deletes', async () => {
    await store.putJson('users/a/x.json', { hello: 'wörld', slash: 'a/b' });
    await store.putJson('users/a/y.json', { n: 1 });
    await store.putJson('users/b/z.json', { n: 2 });
    expect((await store.getJson('users/a/x.json'))?.value).toEqual({ hello: 'wörld', slash: 'a/b' });
    expect((await store.list('users/a/')).sort()).toEqual(['users/a/x.json', 'users/a/y.json']);
    expect(await store.deletePrefix('users/a/')).toBe(2);
    expect(await store.getJson('users/a/x.json')).toBeNull();
    expect(await store.exists('users/b/z.json')).toBe(true);
  });

  it('writes a multipart object over 10 MB from a stream, byte-identical', async () => {
    const chunks = Array.from({ length: 12 }, () => randomBytes(1024 * 1024));
    const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
    await store.putStream('big/blob.bin', Readable.from(chunks), 'application/octet-stream');
    const body = await store.getStream('big/blob.bin');
    const hash = createHash('sha256');
    for await (const chunk of body!) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(expected);
    expect(t.spaces.stats().openMultipartUploads).toBe(0);
  });

  it('honours conditional writes, and detects that the store does', async () => {
    expect(await store.supportsConditionalWrites()).toBe(true);
    const { etag } = await store.putJson('cas/doc.json', { v: 1 });
    await store.putJson('cas/doc.json', { v: 2 }, { ifMatch: etag });
    await expect(store.putJson('cas/doc.json', { v: 3 }, { ifMatch: etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    await expect(store.putJson('cas/doc.json', { v: 4 }, { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.getJson('cas/doc.json'))?.value).toEqual({ v: 2 });
  });

  it('keeps the previous object when a write fails', async () => {
    await store.putJson('keep/doc.json', { v: 'old' });
    t.spaces.injectFault('500', { match: { method: 'PUT', keyPrefix: 'keep/' } });
    t.spaces.injectFault('500', { match: { method: 'PUT', keyPrefix: 'keep/' } });
    t.spaces.injectFault('500', { match: { method: 'PUT', keyPrefix: 'keep/' } });
    t.spaces.injectFault('500', { match: { method: 'PUT', keyPrefix: 'keep/' } });
    await expect(store.putJson('keep/doc.json', { v: 'new' })).rejects.toBeInstanceOf(StorageError);
    expect((await store.getJson('keep/doc.json'))?.value).toEqual({ v: 'old' });
  });

  it('seals tokens in the vault so the stored object never holds them', async () => {
    const vault = createTokenVault(store, createTokenBox(randomBytes(32).toString('base64')));
    await vault.put('private/tokens/shopify/acme.myshopify.com.jwe', { accessToken: 'shpat_abcdef123456' });
    const raw = await store.getJson('private/tokens/shopify/acme.myshopify.com.jwe');
    expect(JSON.stringify(raw?.value)).not.toContain('shpat_abcdef123456');
    expect((await vault.get('private/tokens/shopify/acme.myshopify.com.jwe'))?.value).toEqual({
      accessToken: 'shpat_abcdef123456',
    });
  });
});

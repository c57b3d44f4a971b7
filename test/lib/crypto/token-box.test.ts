import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenBox } from '../../../lib/crypto/token-box';
import { TokenBoxError } from '../../../lib/errors';

describe('token box', () => {
  const box = createTokenBox(randomBytes(32).toString('base64'));

  it('round-trips and never contains the plaintext', async () => {
    const sealed = await box.seal({ accessToken: 'shpat_secret_value' }, 'private/tokens/shopify/a.myshopify.com.jwe');
    expect(sealed).not.toContain('shpat_secret_value');
    expect(await box.open(sealed, 'private/tokens/shopify/a.myshopify.com.jwe')).toEqual({
      accessToken: 'shpat_secret_value',
    });
  });

  it('detects tampering, a moved blob and another key', async () => {
    const sealed = await box.seal({ t: 1 }, 'ctx-a');
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    await expect(box.open(parts.join('.'), 'ctx-a')).rejects.toBeInstanceOf(TokenBoxError);
    await expect(box.open(sealed, 'ctx-b')).rejects.toBeInstanceOf(TokenBoxError);
    await expect(createTokenBox(randomBytes(32).toString('base64')).open(sealed, 'ctx-a')).rejects.toBeInstanceOf(
      TokenBoxError,
    );
  });
});

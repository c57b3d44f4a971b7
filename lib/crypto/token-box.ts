import { TokenBoxError } from '../errors';
import { deriveKey } from './derive-key';

/**
 * Encrypts platform tokens at rest: JWE compact, `dir` + A256GCM, with a key derived from
 * TOKEN_ENCRYPTION_KEY for the vault only. The protected header binds the ciphertext to the storage
 * key it was written under, so a blob copied to another shop's slot fails to open.
 */
export interface TokenBox {
  seal(value: unknown, context: string): Promise<string>;
  open<T>(jwe: string, context: string): Promise<T>;
}

/** Creates a `TokenBox` from the base64 TOKEN_ENCRYPTION_KEY. */
export function createTokenBox(base64Key: string): TokenBox {
  // Derived on first use, not when the dependencies are wired: most cold starts never open the vault.
  const key = () => deriveKey(Buffer.from(base64Key, 'base64'), 'token-vault/v1');
  return {
    async seal(value, context) {
      // jose loads on first use (issue 14): most cold starts make a Spaces request before they open the vault.
      const { CompactEncrypt } = await import('./jose-jwe');
      return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(value)))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ctx: context })
        .encrypt(key());
    },
    async open<T>(jwe: string, context: string): Promise<T> {
      const { compactDecrypt } = await import('./jose-jwe');
      let result;
      try {
        result = await compactDecrypt(jwe, key(), {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
      } catch (err) {
        throw new TokenBoxError('stored token could not be decrypted (tampered, or TOKEN_ENCRYPTION_KEY changed)', {
          cause: err,
        });
      }
      if (result.protectedHeader.ctx !== context) throw new TokenBoxError('stored token belongs to another record');
      return JSON.parse(new TextDecoder().decode(result.plaintext)) as T;
    },
  };
}

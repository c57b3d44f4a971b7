import type { TokenBox } from '../crypto/token-box';
import type { ObjectStore } from '../storage/store';

/** A sealed record read from the vault, with the ETag needed to replace it safely. */
export interface VaultEntry<T> {
  value: T;
  etag: string;
}

/**
 * Platform tokens, encrypted with the token box and stored under `private/tokens/…` (outside
 * `users/`). Each blob is bound to its key, so moving it elsewhere makes it unreadable.
 */
export interface TokenVault {
  get<T>(key: string): Promise<VaultEntry<T> | null>;
  put(key: string, value: unknown, condition?: { ifMatch?: string }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Creates the vault over a store and a token box. */
export function createTokenVault(store: ObjectStore, box: TokenBox): TokenVault {
  return {
    async get<T>(key: string) {
      const entry = await store.getJson<{ jwe: string }>(key);
      if (!entry) return null;
      return { value: await box.open<T>(entry.value.jwe, key), etag: entry.etag };
    },
    async put(key, value, condition = {}) {
      const sealed = { jwe: await box.seal(value, key) };
      if (condition.ifMatch && (await store.supportsConditionalWrites())) {
        await store.putJson(key, sealed, { ifMatch: condition.ifMatch });
        return;
      }
      await store.putJson(key, sealed);
    },
    delete: (key) => store.delete(key),
  };
}


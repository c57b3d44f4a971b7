import type { TokenBox } from '../crypto/token-box';
import {
  updateWithRetry,
  type Change,
  type ObjectStore,
  type UpdateWithRetryOptions,
  type WriteCondition,
} from '../storage/store';

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
  put(key: string, value: unknown): Promise<void>;
  /** Read, change, conditional write, retry (`updateWithRetry`) on a sealed record. */
  update<T>(key: string, change: Change<T>, options: Omit<UpdateWithRetryOptions<T>, 'codec'>): Promise<T | null>;
  delete(key: string): Promise<void>;
}

/** Creates the vault over a store and a token box. */
export function createTokenVault(store: ObjectStore, box: TokenBox): TokenVault {
  const vault: TokenVault = {
    async get<T>(key: string) {
      const entry = await store.getJson<{ jwe: string }>(key);
      if (!entry) return null;
      return { value: await box.open<T>(entry.value.jwe, key), etag: entry.etag };
    },
    async put(key, value) {
      await store.putJson(key, { jwe: await box.seal(value, key) });
    },
    update<T>(key: string, change: Change<T>, options: Omit<UpdateWithRetryOptions<T>, 'codec'>) {
      const codec = {
        read: () => vault.get<T>(key),
        write: async (value: T, condition: WriteCondition) =>
          store.putJson(key, { jwe: await box.seal(value, key) }, condition),
      };
      return updateWithRetry(store, key, change, { ...options, codec });
    },
    delete: (key) => store.delete(key),
  };
  return vault;
}

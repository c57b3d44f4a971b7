import { hkdfSync } from 'node:crypto';

// One derivation per master secret and purpose per container: sessions, states and the vault ask again on every
// request.
const derived = new Map<string, Uint8Array>();

/**
 * Derives a 32-byte key for one purpose from a master secret (HKDF-SHA256, domain-separated by
 * `purpose`), so the session cookie, OAuth state and token vault never share a key. Memoised per container.
 */
export function deriveKey(master: string | Uint8Array, purpose: string): Uint8Array {
  const ikm = typeof master === 'string' ? Buffer.from(master, 'utf8') : master;
  const id = `${purpose}\u0000${Buffer.from(ikm).toString('base64')}`;
  let key = derived.get(id);
  if (!key) {
    key = new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), `gpt-sales-bot/${purpose}`, 32));
    derived.set(id, key);
  }
  return key;
}

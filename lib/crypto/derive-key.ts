import { hkdfSync } from 'node:crypto';

/**
 * Derives a 32-byte key for one purpose from a master secret (HKDF-SHA256, domain-separated by
 * `purpose`), so the session cookie, OAuth state and token vault never share a key.
 */
export function deriveKey(master: string | Uint8Array, purpose: string): Uint8Array {
  const ikm = typeof master === 'string' ? Buffer.from(master, 'utf8') : master;
  return new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), `gpt-sales-bot/${purpose}`, 32));
}

import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings in constant time. Lengths are compared first because `timingSafeEqual`
 * throws on unequal lengths; the length of a MAC is public, so this leaks nothing.
 */
export function safeCompare(a: string | Buffer, b: string | Buffer): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

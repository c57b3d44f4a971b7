import { describe, expect, it } from 'vitest';
import { safeCompare } from '../../../lib/crypto/safe-compare';

describe('safeCompare', () => {
  it('returns true for equal strings and for equal buffers', () => {
    expect(
      safeCompare('dzJZAsrKgS3CWXM6rNBGtzgXNyx3e42VtAJkdHRRbhM=', 'dzJZAsrKgS3CWXM6rNBGtzgXNyx3e42VtAJkdHRRbhM='),
    ).toBe(true);
    expect(safeCompare(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3]))).toBe(true);
    expect(safeCompare('', '')).toBe(true);
  });

  it('returns false when one byte differs, first or last', () => {
    expect(safeCompare('abcdef', 'xbcdef')).toBe(false);
    expect(safeCompare('abcdef', 'abcdeX')).toBe(false);
  });

  it('returns false for unequal lengths instead of throwing as timingSafeEqual does', () => {
    // Prepare: a prefix of the right value, the classic truncated-MAC probe.
    const mac = 'dzJZAsrKgS3CWXM6rNBGtzgXNyx3e42VtAJkdHRRbhM=';

    // Act / Assess
    expect(() => safeCompare(mac, mac.slice(0, 10))).not.toThrow();
    expect(safeCompare(mac, mac.slice(0, 10))).toBe(false);
    expect(safeCompare(mac, `${mac}=`)).toBe(false);
    expect(safeCompare('', mac)).toBe(false);
  });

  it('compares UTF-8 bytes, so strings of equal length but different byte length do not match', () => {
    // 'é' is two bytes in UTF-8, 'e' one: same string length, different byte length.
    expect('é'.length).toBe('e'.length);
    expect(safeCompare('é', 'e')).toBe(false);
    expect(safeCompare('café', 'café')).toBe(true);
  });

  it('compares a string with a buffer of the same bytes as equal', () => {
    expect(safeCompare('nonce-123', Buffer.from('nonce-123', 'utf8'))).toBe(true);
    expect(safeCompare(Buffer.from('nonce-123', 'utf8'), 'nonce-124')).toBe(false);
  });

  it('is case-sensitive (base64 MACs differ by case)', () => {
    expect(safeCompare('AbC', 'abc')).toBe(false);
  });
});

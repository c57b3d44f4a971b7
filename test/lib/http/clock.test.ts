import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../lib/http/clock';

describe('backoffMs (full jitter)', () => {
  it('spreads the wait over the whole interval [0, min(cap, base·2^attempt))', () => {
    expect(backoffMs(0, 500, 8000, () => 0)).toBe(0);
    expect(backoffMs(0, 500, 8000, () => 0.5)).toBe(250);
    expect(backoffMs(3, 500, 8000, () => 0.5)).toBe(2000);
    expect(backoffMs(3, 500, 8000, () => 0.999)).toBeCloseTo(3996, 0);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(backoffMs(50, 500, 8000, () => 0.999)).toBeLessThan(8000);
    expect(backoffMs(50, 500, 8000, () => 0.5)).toBe(4000);
  });
});

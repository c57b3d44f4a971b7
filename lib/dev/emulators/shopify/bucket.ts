/** A GraphQL Admin plan: bucket size and restore rate in points per second (Standard: 2000 / 100). */
export interface Plan {
  bucket: number;
  restoreRate: number;
}

/** The default plan of contract §5.3 (Standard, after the 2025-26 doubling). */
export const STANDARD_PLAN: Plan = { bucket: 2000, restoreRate: 100 };

/** The `throttleStatus` object of `extensions.cost`. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/**
 * Leaky bucket of one app+shop. `clockScale` speeds up restoration, and the reported `restoreRate` is the effective one, so a
 * client that waits `(requested − available) / restoreRate` seconds waits exactly as long as the emulator needs.
 */
export class LeakyBucket {
  private available: number;
  private updatedMs: number;

  constructor(
    private readonly plan: Plan,
    private readonly clockScale: number,
    private readonly now: () => number,
  ) {
    this.available = plan.bucket;
    this.updatedMs = now();
  }

  /** Points restored per real second. */
  get effectiveRate(): number {
    return this.plan.restoreRate * this.clockScale;
  }

  /** Current throttle status after restoring for the time elapsed. */
  status(): ThrottleStatus {
    this.restore();
    return {
      maximumAvailable: this.plan.bucket,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.effectiveRate,
    };
  }

  /** Takes `points` if they are available; returns false (taking nothing) otherwise. */
  take(points: number): boolean {
    this.restore();
    if (points > this.available) return false;
    this.available -= points;
    return true;
  }

  /** Gives back points (requested minus actual), never beyond the bucket size. */
  refund(points: number): void {
    this.available = Math.min(this.plan.bucket, this.available + Math.max(0, points));
  }

  /** Empties or sets the bucket level (tests). */
  set(level: number): void {
    this.restore();
    this.available = Math.max(0, Math.min(this.plan.bucket, level));
  }

  private restore(): void {
    const now = this.now();
    const elapsedSec = Math.max(0, now - this.updatedMs) / 1000;
    this.available = Math.min(this.plan.bucket, this.available + elapsedSec * this.effectiveRate);
    this.updatedMs = now;
  }
}

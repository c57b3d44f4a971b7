/** Stable Admin API versions in November 2026, oldest first (contract §5.1). */
export const SUPPORTED_VERSIONS = ['2025-10', '2026-01', '2026-04', '2026-07', '2026-10'] as const;
/** The release candidate and the unstable channel, also served. */
export const PREVIEW_VERSIONS = ['2027-01', 'unstable'] as const;

/** Maps the version in a URL to the one that answers: unsupported `YYYY-MM` versions fall forward to the oldest supported; junk is null. */
export function resolveVersion(requested: string): string | null {
  if (
    (SUPPORTED_VERSIONS as readonly string[]).includes(requested) ||
    (PREVIEW_VERSIONS as readonly string[]).includes(requested)
  ) {
    return requested;
  }
  return /^\d{4}-\d{2}$/.test(requested) ? SUPPORTED_VERSIONS[0] : null;
}

/** True when the version allows five concurrent bulk queries (2026-01 and later). */
export function allowsConcurrentBulk(version: string): boolean {
  return version === 'unstable' || version >= '2026-01';
}

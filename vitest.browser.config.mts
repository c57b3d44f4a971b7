import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: the merchant's path in headless Chromium (needs Debian's chromium package). */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.spec.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/helpers/setup-env.ts'],
  },
});

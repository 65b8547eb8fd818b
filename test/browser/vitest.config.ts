import { defineConfig } from 'vitest/config';

/**
 * Browser tests (`npm run test:browser`, run by CI): Debian's Chromium, driven by playwright-core,
 * against a real `agentry serve` on a fresh embedded data directory per file. The console must be
 * built first (`npm install` builds it; `npm run console:build` after a change).
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    // Each file runs a server and a browser: two at once keep both cores busy.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

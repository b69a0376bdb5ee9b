import { defineConfig } from 'vitest/config';

// npm run test:e2e: the dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
export default defineConfig({
  test: {
    include: ['test/dashboard/e2e/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});

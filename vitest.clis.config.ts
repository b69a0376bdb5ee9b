import { defineConfig } from 'vitest/config';

// The contract test against the real agent CLIs (npm run test:clis): slow runs of real binaries, one file.
export default defineConfig({
  test: {
    include: ['test/clis/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    maxWorkers: 1,
  },
});

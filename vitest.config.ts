import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real agent CLIs have their own run: npm run test:clis.
    exclude: ['test/clis/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Process tests spawn servers; two workers fit the 2-core machines we run on.
    maxWorkers: 2,
  },
});

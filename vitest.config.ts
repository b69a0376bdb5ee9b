import { defineConfig } from 'vitest/config';

// The store, domain and tool tests run twice: on SQLite (the default) and on PostgreSQL (a real server the tests
// start themselves: test/helpers/engine.ts). One suite, two engines; the rest runs once.
const onBothEngines = ['tools', 'resources', 'trust', 'domain', 'events', 'scheduler', 'bridge'].map((dir) => `test/${dir}/**/*.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Process tests spawn servers; two workers fit the 2-core machines we run on.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          // The real agent CLIs have their own run: npm run test:clis.
          exclude: ['test/clis/**', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: { name: 'postgres', include: onBothEngines, env: { CONTROL_PLANE_TEST_ENGINE: 'postgres' } },
      },
    ],
  },
});

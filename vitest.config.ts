import { defineConfig } from 'vitest/config';

// The store, domain and tool tests run twice: on SQLite (the default) and on PostgreSQL (a real server the tests
// start themselves: test/helpers/engine.ts). One suite, two engines; the rest runs once.
const onBothEngines = ['tools', 'resources', 'trust', 'domain', 'events', 'scheduler', 'bridge'].map((dir) => `test/${dir}/**/*.test.ts`);
// Files there that never run a server on the test engine: the adapters and prices are store-free, SQLite's own
// hash-input path is SQLite's, and the control-plane test names its two engines itself.
const engineFree = ['adapters', 'codex-model', 'environment', 'prices', 'control-plane'].map((f) => `test/bridge/${f}.test.ts`).concat('test/domain/audit-canonical.test.ts', 'test/domain/chain-stretches.test.ts');

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
        test: { name: 'postgres', include: onBothEngines, exclude: engineFree, env: { CONTROL_PLANE_TEST_ENGINE: 'postgres' } },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Every request a test makes goes to loopback; anything else is refused (main/sync/endpoints.ts).
    env: { SENTINEL_LOOPBACK_ONLY: '1' },
    // Two cores here: more workers only contend.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

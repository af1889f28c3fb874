import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // A skipped test must be visible in the output, never silent.
    reporters: ['default'],
    testTimeout: 20_000,
    // Streams dropped unread are settled by a FinalizationRegistry: its test forces collections.
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});

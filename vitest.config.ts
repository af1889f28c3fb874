import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';

/** What both commands share. */
export const common = {
  environment: 'node',
  // A skipped test must be visible in the output, never silent.
  reporters: ['default'],
  hookTimeout: 30_000,
  pool: 'forks',
  poolOptions: {
    forks: {
      execArgv: [
        // Streams dropped unread are settled by a FinalizationRegistry: its test forces collections.
        '--expose-gc',
        // msw looks for localStorage, which Node 25+ defines and warns about on first use without a
        // file to keep it in: the tests run as a server does, without it.
        '--no-experimental-webstorage',
      ],
    },
  },
  // test/setup.ts puts back, after every test, what a test may change for the others (timers,
  // servers it started); these do the same for mocks, environment variables and globals.
  setupFiles: ['test/setup.ts'],
  restoreMocks: true,
  unstubEnvs: true,
  unstubGlobals: true,
} satisfies NonNullable<ViteUserConfig['test']>;

/**
 * `npm test`: every behaviour, in about half a minute. The heavy runs (many processes, a million
 * users, 10 MB streams) are `*.scale.test.ts`, run by `npm run test:scale` (vitest.scale.config.ts).
 */
export default defineConfig({
  test: {
    ...common,
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/**/*.scale.test.ts'],
    testTimeout: 20_000,
    // Files share one module graph per worker: loading src/, msw and the clients once, instead of
    // once per file, is most of the suite's speed.
    isolate: false,
  },
});

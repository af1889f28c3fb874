import { defineConfig } from 'vitest/config';
import { common } from './vitest.config.js';

/**
 * `npm run test:scale`: the heavy runs, each asserting what it would in `npm test`: gateways in
 * several processes on one store, a process killed mid-call, a million users, a 10 MB stream.
 * Each file has a process of its own: they start servers and children, and use the CPU.
 */
export default defineConfig({
  test: {
    ...common,
    include: ['test/**/*.scale.test.ts'],
    testTimeout: 120_000,
    isolate: true,
  },
});

import { defineConfig } from 'tsup';

const entry = {
  index: 'src/index.ts',
  redis: 'src/redis.ts',
};

export default defineConfig([
  {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  {
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    // p-retry (and its helper) and p-map ship as ESM only; Node 20 before 20.19 cannot require() ESM,
    // so the CommonJS build carries its own copy instead of a require() that would throw.
    noExternal: ['p-retry', 'is-network-error', 'p-map'],
  },
]);

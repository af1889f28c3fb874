import { defineConfig } from 'tsup';

const entry = {
  index: 'src/index.ts',
  redis: 'src/redis.ts',
  sqlite: 'src/sqlite.ts',
  postgres: 'src/postgres.ts',
  http: 'src/http.ts',
  'ai-sdk': 'src/ai-sdk.ts',
  dashboard: 'src/dashboard.ts',
  // Each sink is its own entry: importing one loads nothing of the others (nor their peers).
  'sinks/jsonl': 'src/sinks/jsonl.ts',
  'sinks/otel': 'src/sinks/otel.ts',
  'sinks/prometheus': 'src/sinks/prometheus.ts',
  'sinks/webhook': 'src/sinks/webhook.ts',
};

export default defineConfig([
  {
    // The `tollgate` command (bin/tollgate.js imports it) is ESM only, like the bin.
    entry: { ...entry, cli: 'src/cli.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node22',
  },
  {
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node22',
    // p-retry (and its helper) and p-map ship as ESM only; Node 22 before 22.12 cannot require() ESM,
    // so the CommonJS build carries its own copy instead of a require() that would throw.
    noExternal: ['p-retry', 'is-network-error', 'p-map'],
    // import.meta.url in CommonJS (the dashboard finds uPlot's files from it), made from __filename.
    shims: true,
    // Entries share chunks, as in the ESM build: without it each CommonJS entry would carry its own
    // copy of the core, and a Secret made by `require('tollgate')` could not be read by
    // `require('tollgate/sinks/webhook')` (its value sits in the other copy's private fields).
    splitting: true,
  },
]);

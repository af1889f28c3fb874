#!/usr/bin/env node
// `tollgate serve --config tollgate.config.ts`: see docs/server.md.
import '../dist/cli.js';

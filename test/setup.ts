// Run before every test file (vitest setupFiles). `npm test` runs files one after another in
// shared workers (isolate: false), so what one test changes must not reach the next.
import { afterEach, vi } from 'vitest';
import { closeAfterTest } from './helpers/after-test.js';

afterEach(async () => {
  // A test that failed with fake timers on would leave them to every test after it.
  vi.useRealTimers();
  await closeAfterTest();
});

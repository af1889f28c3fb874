// npm test: reads the test files' first lines; milliseconds.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every test file says in its first line which command runs it and why it is there: `npm test`
 * for what runs in seconds, `npm run test:scale` for `*.scale.test.ts` (several processes, a
 * million users, 10 MB streams). A new file without that line fails here.
 */
const root = new URL('.', import.meta.url).pathname;
const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts'));

describe('the test suite', () => {
  it('each test file names its command and why, in its first line', () => {
    const wrong = files
      .map((file) => ({ file: relative(root, join(root, file)), first: readFileSync(join(root, file), 'utf8').split('\n', 1)[0]! }))
      .filter(({ file, first }) => {
        const prefix = file.endsWith('.scale.test.ts') ? '// npm run test:scale: ' : '// npm test: ';
        return !first.startsWith(prefix) || first.length < prefix.length + 20;
      });
    expect(wrong).toEqual([]);
    expect(files.length).toBeGreaterThan(100);
  });
});
